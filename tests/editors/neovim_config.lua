-- Headless Neovim 0.7 as a second real LSP client: attaches `python -m ddlguard lsp` to the
-- opened migration, records every publishDiagnostics, then writes what it received and what
-- Neovim's own diagnostic store holds for the buffer to $DDLGUARD_NVIM_OUT as JSON and quits.
local out = os.getenv("DDLGUARD_NVIM_OUT")
local root = os.getenv("DDLGUARD_ROOT")
local expected_files = tonumber(os.getenv("DDLGUARD_EXPECTED_FILES") or "1")
local received = {}
local uris = {}
local count = 0
local finished = false

local function finish(reason)
  if finished then return end
  finished = true
  local buffer = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(buffer, { lnum = d.lnum, col = d.col, end_col = d.end_col, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code), message = d.message, severity = d.severity })
  end
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode({ reason = reason, published = received, buffer = buffer, buffer_uri = vim.uri_from_bufnr(0) }))
  f:close()
  vim.cmd("qa!")
end

local default_handler = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  default_handler(err, result, ctx, config)
  table.insert(received, result)
  if #result.diagnostics > 0 and not uris[result.uri] then
    uris[result.uri] = true
    count = count + 1
  end
  if count >= expected_files and uris[vim.uri_from_bufnr(0)] then
    vim.defer_fn(function() finish("complete") end, 300)
  end
end

local client_id = vim.lsp.start_client({
  name = "ddlguard",
  cmd = { os.getenv("DDLGUARD_PYTHON"), "-P", "-m", "ddlguard", "lsp" },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = "backend" } },
  settings = { ddlguard = {} },
})
vim.lsp.buf_attach_client(0, client_id)
vim.defer_fn(function() finish("timeout") end, tonumber(os.getenv("DDLGUARD_NVIM_TIMEOUT_MS") or "30000"))
