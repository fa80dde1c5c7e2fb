//! `ssot server` in Helix, set up by the `languages.toml` snippet of docs/editors.md exactly as
//! written (`ssot` found on PATH, where nothing else is): `hx --health python` lists it, then Helix runs in a tmux pane
//! (it has no headless mode; the screen is read with `capture-pane`) on two files of a project,
//! a duplicate manager class is typed into one without saving, the other shows the finding in
//! its gutter, and the suppression quick fix from the code action menu removes it. Skipped,
//! saying so, without `SSOT_HELIX` (a Helix; `.ci/run` unpacks Debian's `hx`) or tmux.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{docs_snippet, editor, editor_project};

/// A tmux server of its own (its socket named after this process), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").args(["-L", &self.socket]).args(args).output().expect("tmux runs")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "hx"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "hx"]).stdout).into_owned()
    }

    /// Waits (up to 30 s) until the screen satisfies `ready`; the screen then.
    fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "Helix never showed {what}; the screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The editor line showing line `number` of the buffer, with its gutter.
fn line<'s>(screen: &'s str, number: usize, text: &str) -> Option<&'s str> {
    screen.lines().find(|line| {
        let rest = line.trim_start_matches(['●', ' ']);
        rest.strip_prefix(&number.to_string()).is_some_and(|rest| rest.trim_start() == text)
    })
}

/// Whether the editor line of line `number` (holding `text`) has a diagnostic mark.
fn marked(screen: &str, number: usize, text: &str) -> bool {
    line(screen, number, text).is_some_and(|line| line.trim_start().starts_with('●'))
}

#[test]
fn helix_sees_an_unsaved_duplicate_with_the_docs_snippet() {
    let Some(hx) = editor("SSOT_HELIX", "a Helix") else { return };
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let (_dir, root) = editor_project();
    let home = root.join("home");
    let config = home.join(".config");
    std::fs::create_dir_all(config.join("helix")).unwrap();
    let snippet = docs_snippet("## Helix", "toml");
    assert!(snippet.contains("[language-server.ssot]"), "the snippet is the languages.toml one:\n{snippet}");
    std::fs::write(config.join("helix/languages.toml"), &snippet).unwrap();
    // Only ssot on PATH: another Python server the snippet names (pylsp) would mark lines too.
    let path = std::path::Path::new(env!("CARGO_BIN_EXE_ssot")).parent().unwrap().as_os_str().to_owned();
    let env = [("HOME", home.as_os_str()), ("XDG_CONFIG_HOME", config.as_os_str()), ("PATH", path.as_os_str())];

    // Helix reads the snippet and finds the binary it names.
    let health = Command::new(&hx).args(["--health", "python"]).envs(env).output().expect("hx runs");
    let health = String::from_utf8_lossy(&health.stdout).into_owned();
    let ssot_line = health.lines().find(|line| line.contains("ssot:")).unwrap_or_else(|| panic!("{health}"));
    assert!(ssot_line.contains(env!("CARGO_BIN_EXE_ssot")), "Helix should find this ssot:\n{health}");

    let tmux = Tmux { socket: format!("ssot-helix-{}", std::process::id()) };
    let mut args: Vec<String> =
        ["new-session", "-d", "-s", "hx", "-x", "160", "-y", "30", "-c"].into_iter().map(String::from).collect();
    args.push(root.to_str().unwrap().to_string());
    // Through `env`: tmux's own `-e` does not reach the PATH Helix searches for servers.
    args.push("env".into());
    args.extend(env.iter().map(|(key, value)| format!("{key}={}", value.to_str().unwrap())));
    args.extend([hx.to_str().unwrap().to_string(), "app/a.py".into(), "app/b.py".into()]);
    let started = tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(started.status.success(), "tmux: {}", String::from_utf8_lossy(&started.stderr));
    tmux.wait("a.py", |s| line(s, 1, "class WebSocketManager:").is_some());

    // In b.py, unsaved: a second manager class.
    tmux.keys(&["g", "n"]);
    tmux.wait("b.py", |s| line(s, 1, "X = 1").is_some());
    tmux.keys(&["o", "class WebSocketManager: pass", "Escape"]);
    tmux.wait("the duplicate flagged in b.py", |s| marked(s, 2, "class WebSocketManager: pass"));
    assert_eq!(std::fs::read_to_string(root.join("app/b.py")).unwrap(), "X = 1\n", "b.py stays unsaved");

    // Back in a.py: flagged too, by the unsaved text of b.py.
    tmux.keys(&["g", "p"]);
    tmux.wait("the duplicate flagged in a.py", |s| marked(s, 1, "class WebSocketManager:"));

    // The suppression quick fix, from the code action menu at the finding.
    tmux.keys(&["]", "d"]);
    tmux.keys(&["Space", "a"]);
    tmux.wait("the suppression quick fix", |s| s.contains("Suppress `duplicate-manager-class` on this line"));
    tmux.keys(&["Enter"]);
    let fixed = "class WebSocketManager:  # ssot: ignore[duplicate-manager-class] --";
    tmux.wait("the suppression applied and the finding gone", |s| {
        line(s, 1, fixed).is_some_and(|line| !line.trim_start().starts_with('●'))
    });
}
