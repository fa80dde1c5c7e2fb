"""Oracle for the import graph: grimp, the graph import-linter builds its contracts on.

`grimp_oracle.py ROOT PACKAGE...` builds grimp's graph of the top-level PACKAGEs (ROOT is put
first on sys.path; grimp imports nothing of them, it reads their files) and prints one JSON
object per direct import between their modules: importer, imported, line.
"""

import json
import sys

import grimp


def main():
    root, packages = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, root)
    graph = grimp.build_graph(*packages, cache_dir=None)
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                print(json.dumps({"importer": importer, "imported": imported, "line": detail["line_number"]}))


if __name__ == "__main__":
    main()
