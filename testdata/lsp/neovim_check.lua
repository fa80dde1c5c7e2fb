-- Headless Neovim against `ssot server`, the editor check of tests/server_neovim.rs: open two
-- files, type a second manager class into one (unsaved), expect the duplicate flagged in both
-- buffers at the right place, then apply the suppression quick fix and see the finding go.
-- With `_G.arg_snippet` (Neovim 0.11+), the client is the one docs/editors.md's `vim.lsp.config`
-- snippet sets up (run as written, `ssot` found on PATH) and buffers attach by filetype; without
-- it (Neovim 0.7+), the client is started by hand and attached to each buffer.
local ssot, root, snippet = _G.arg_ssot, _G.arg_root, _G.arg_snippet
local function fail(msg) io.stderr:write("FAIL: " .. msg .. "\n"); vim.cmd("cquit 1") end
local client_id
if snippet then
  vim.cmd("filetype on")
  dofile(snippet)
else
  client_id = vim.lsp.start_client({
    name = "ssot", cmd = { ssot, "server" }, root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = "proj" } },
  })
  if not client_id then fail("the client did not start") end
end
local function open(path)
  vim.cmd("edit " .. path)
  local buf = vim.api.nvim_get_current_buf()
  if client_id then vim.lsp.buf_attach_client(buf, client_id) end
  return buf
end
local a = open(root .. "/app/a.py")
local b = open(root .. "/app/b.py")
local client
if snippet then
  vim.wait(10000, function() return #vim.lsp.get_clients({ name = "ssot", bufnr = b }) > 0 end, 50)
  client = vim.lsp.get_clients({ name = "ssot", bufnr = b })[1]
  if not client then fail("the snippet's client did not attach to b.py") end
  if #vim.lsp.get_clients({ name = "ssot", bufnr = a }) == 0 then fail("the snippet's client did not attach to a.py") end
  print("attached by filetype, root " .. tostring(client.root_dir))
else
  client = vim.lsp.get_client_by_id(client_id)
end
local function codes(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(out, tostring(d.code)) end
  return table.concat(out, ",")
end
-- Type a duplicate into b (unsaved).
vim.api.nvim_buf_set_lines(b, 1, 1, false, { "class WebSocketManager:", "    pass" })
local ok = vim.wait(20000, function()
  return codes(a) == "duplicate-manager-class" and codes(b) == "duplicate-manager-class"
end, 50)
if not ok then fail("expected the duplicate in both buffers, got a=[" .. codes(a) .. "] b=[" .. codes(b) .. "]") end
local d = vim.diagnostic.get(b)[1]
print(string.format("duplicate flagged in both buffers; b.py at %d:%d", d.lnum, d.col))
if d.lnum ~= 1 or d.col ~= 6 then fail("wrong range in b.py") end
-- The quick fixes of b's finding, and the suppression applied.
local params = {
  textDocument = { uri = vim.uri_from_bufnr(b) },
  range = { start = { line = 1, character = 6 }, ["end"] = { line = 1, character = 22 } },
  context = { diagnostics = {} },
}
local responses = vim.lsp.buf_request_sync(b, "textDocument/codeAction", params, 10000)
local applied = false
for _, response in pairs(responses or {}) do
  for _, action in ipairs(response.result or {}) do
    if action.title:find("^Suppress") then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
      applied = true
    end
  end
end
if not applied then fail("no suppression quick fix") end
print("quick fix applied: " .. vim.api.nvim_buf_get_lines(b, 1, 2, false)[1])
ok = vim.wait(20000, function() return codes(b) == "" end, 50)
if not ok then fail("the suppressed finding stayed: " .. codes(b)) end
print("suppressed finding gone")
if client.stop then client:stop() else vim.lsp.stop_client(client.id) end
vim.cmd("qall!")
