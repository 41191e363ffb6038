-- Headless Neovim check driven by tests/lsp/test_neovim.py: opens a prompt file with the shipped
-- editors/nvim configuration, records vim.diagnostic.get() after opening and after an edit, and
-- writes them as JSON to $PROMPTKIT_NVIM_OUT.
local repo = os.getenv("PROMPTKIT_REPO")
vim.opt.runtimepath:append(repo .. "/editors/nvim")
require("promptkit").setup({
  cmd = { os.getenv("PROMPTKIT_BIN"), "lsp" },
  init_options = { diagnosticsDelay = 0 },
})

local out = {}
local function snapshot()
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(items, { lnum = d.lnum, col = d.col, code = code, message = d.message, severity = d.severity })
  end
  table.sort(items, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
  return items
end

local function finish()
  local f = assert(io.open(os.getenv("PROMPTKIT_NVIM_OUT"), "w"))
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qall!")
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("PROMPTKIT_FILE")))
out.attached = vim.wait(10000, function() return #vim.lsp.get_active_clients() > 0 end, 20)
out.opened_ok = vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end, 20)
out.after_open = snapshot()

-- Fix the first problem's line by deleting it, then wait for the diagnostics to change.
local before = #out.after_open
local line = tonumber(os.getenv("PROMPTKIT_EDIT_LINE"))
vim.api.nvim_buf_set_lines(0, line, line + 1, false, {})
out.edited_ok = vim.wait(10000, function() return #vim.diagnostic.get(0) ~= before end, 20)
out.after_edit = snapshot()
finish()
