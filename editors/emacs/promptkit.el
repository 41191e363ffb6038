;;; promptkit.el --- promptkit language server with eglot  -*- lexical-binding: t; -*-

;; Emacs 29+ ships eglot. Load this file (or paste it into your init):
;;   (load "/path/to/promptkit/editors/emacs/promptkit.el")
;; Prompt files open in `promptkit-mode', a YAML mode (yaml-ts-mode when the tree-sitter grammar
;; is installed, else yaml-mode, else text) that eglot connects to `promptkit lsp'.

(require 'eglot)

(define-derived-mode promptkit-mode
  (cond ((and (fboundp 'yaml-ts-mode) (treesit-ready-p 'yaml t)) 'yaml-ts-mode)
        ((fboundp 'yaml-mode) 'yaml-mode)
        (t 'text-mode))
  "promptkit"
  "Major mode for promptkit prompt files (*.prompt.yaml).")

(add-to-list 'auto-mode-alist '("\\.prompt\\.ya?ml\\'" . promptkit-mode))
(add-to-list 'auto-mode-alist '("/promptkit\\.yaml\\'" . promptkit-mode))

(add-to-list 'eglot-server-programs
             '(promptkit-mode . ("promptkit" "lsp" :initializationOptions (:diagnosticsDelay 50))))

(add-hook 'promptkit-mode-hook #'eglot-ensure)

;; Inlay hints (token counts, sample values) need Emacs 29's eglot-inlay-hints-mode, on by default.

(provide 'promptkit)
;;; promptkit.el ends here
