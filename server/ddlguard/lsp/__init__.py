"""The language server (`ddlguard lsp`): the engine's findings as LSP diagnostics, code actions,
hover and navigation. One module per feature; `server.py` wires them to pygls."""
