/** The exit codes of every command: the README's table. */
export const EXIT = { ok: 0, evidenceMismatch: 1, usage: 2, failOn: 3, notify: 4, timeout: 5, partial: 6, refused: 7 } as const;
