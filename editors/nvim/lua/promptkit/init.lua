-- promptkit language server for Neovim's built-in LSP client (Neovim 0.7 or newer).
--
--   vim.opt.runtimepath:append("/path/to/promptkit/editors/nvim")
--   require("promptkit").setup()            -- or setup({ cmd = { "/path/to/promptkit", "lsp" } })
--
-- Prompt files (*.prompt.yaml, *.prompt.yml) and promptkit.yaml get the server; the root is the
-- nearest folder holding promptkit.yaml, else .git.
local M = {}

local defaults = {
  cmd = { "promptkit", "lsp" },
  -- Passed as initializationOptions (docs/lsp.md lists them).
  init_options = {},
  root_markers = { "promptkit.yaml", ".git" },
}

local function is_promptkit_file(name)
  return name:match("%.prompt%.ya?ml$") ~= nil or name:match("promptkit%.yaml$") ~= nil
end

local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  for _, marker in ipairs(markers) do
    local found = vim.fn.findfile(marker, dir .. ";")
    if found == "" then found = vim.fn.finddir(marker, dir .. ";") end
    if found ~= "" then return vim.fn.fnamemodify(found, ":p:h"):gsub("/%.git/?$", "") end
  end
  return dir
end

local clients = {} -- root → client id (Neovim 0.7 has no vim.lsp.start to reuse clients)

local function attach(bufnr, opts)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or not is_promptkit_file(name) then return end
  local root = find_root(name, opts.root_markers)
  local config = {
    name = "promptkit",
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = opts.init_options,
    on_attach = opts.on_attach,
    capabilities = opts.capabilities,
  }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then vim.lsp.buf_attach_client(bufnr, id) end
end

function M.setup(user)
  local opts = vim.tbl_deep_extend("force", defaults, user or {})
  -- *.prompt.yaml stays YAML for highlighting; the server is attached by file name.
  local group = vim.api.nvim_create_augroup("promptkit", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
    group = group,
    pattern = { "*.prompt.yaml", "*.prompt.yml", "promptkit.yaml" },
    callback = function(args) attach(args.buf, opts) end,
  })
  -- Buffers already open when setup() runs.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then attach(bufnr, opts) end
  end
end

return M
