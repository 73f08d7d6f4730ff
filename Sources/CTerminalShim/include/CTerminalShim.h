#ifndef CTERMINALSHIM_H
#define CTERMINALSHIM_H

/* Signal handling for a curses program, in C because a Swift closure cannot safely be a signal handler.
 *
 * - SIGINT, SIGTERM, SIGHUP, SIGQUIT set a flag that the UI loop reads with td_take_signal() (≤ one tick).
 *   A second one before the loop reacts restores the terminal and exits at once.
 * - SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE (Swift traps are SIGILL/SIGTRAP) restore the
 *   terminal (endwin) and re-raise, so the process still dies with the same signal and the tty is sane.
 * - atexit(endwin) covers exit() paths.
 * See shared/guides/terminal.md §A.2 for the measurements behind this list.
 */
void td_install_signal_handlers(void);
/* The pending signal number (0 if none), cleared by reading. */
int td_take_signal(void);
/* Whether $TERM names a terminal curses can drive: 1 yes, 0 no cursor addressing (TERM=dumb),
   -1 unknown to terminfo, -2 no terminfo database. Call before initscr, which would exit instead. */
int td_terminal_usable(void);
/* Puts a signal back as pending (after a child program ran). */
void td_repost_signal(int sig);
/* Restores the terminal if curses is active (idempotent). */
void td_restore_terminal(void);
/* Restores default dispositions (before exec'ing an editor, say). */
void td_reset_signal_handlers(void);

/* Running an editor on the terminal (editor.c), the way git and less do it.
 *
 * `/bin/sh -c '<editor> "$1"' sh <path>` is started with posix_spawn in the caller's own process group, which
 * is the terminal's foreground group, so the editor may read and write the terminal (a child in another group
 * is stopped by SIGTTIN/SIGTTOU). The child starts with default dispositions and an empty signal mask.
 * While it runs:
 * - SIGINT and SIGQUIT are ignored by the app (Ctrl-C belongs to the editor);
 * - SIGTSTP has its default action: a Ctrl-Z that stops the group stops the app with the editor, and `fg`
 *   continues both; if the editor alone stops, the app stops itself too (SIGTSTP) and sends the editor SIGCONT
 *   once it is continued (at once, where nobody can continue it: an orphaned group);
 * - SIGHUP or SIGTERM, or the terminal hanging up (POLLHUP on `terminal_fd`, the app's stdin; -1: not watched),
 *   ends the session: the editor and its
 *   children get that signal (SIGHUP for a hang-up) then SIGCONT, then SIGKILL after `grace_ms` if still
 *   there; the signal is left pending for td_take_signal(), so the app then stops as on that signal.
 * Waiting is waitpid(WUNTRACED) woken through a self-pipe by SIGCHLD and the signals above (any thread may take
 * a signal in a threaded process, so EINTR alone would not do). The caller's handlers are restored afterwards.
 * Call with curses suspended (endwin). Not thread-safe: one editor at a time, from the UI thread. */
enum {
    TD_EDITOR_EXITED = 0,       /* code: the exit status */
    TD_EDITOR_SIGNALED = 1,     /* code: the signal that killed the editor */
    TD_EDITOR_SPAWN_FAILED = 2, /* code: the errno of posix_spawn (or of the set-up before it) */
    TD_EDITOR_ENDED = 3,        /* code: the signal that ended the session (SIGHUP, SIGTERM); the editor was stopped */
    TD_EDITOR_WAIT_FAILED = 4,  /* code: the errno of waitpid (the editor was reaped elsewhere) */
};
typedef struct {
    int outcome;
    int code;
} td_editor_result;
td_editor_result td_run_editor(const char *editor, const char *path, int grace_ms, int terminal_fd);

/* Drawing helpers: set the attributes and colour pair, then write UTF-8 text at (y, x) on stdscr. */
void td_draw_text(int y, int x, const char *utf8, int bold, int dim, int reverse, int underline, int pair);
/* Defines colour pair `pair` (foreground/background as COLOR_* numbers, -1 for the terminal default). */
int td_init_pair(int pair, int fg, int bg);
/// The number of colours and colour pairs the terminal has (after start_color).
int td_colors(void);
/// Whether the terminal on stdin has gone away (the pty hung up, stdin closed): 1 if so.
int td_input_hung_up(void);
int td_color_pairs(void);

/* ---- Locale (helper "inputs": ASCII fallback) ---- */
/* Whether the locale set by setlocale(LC_ALL, "") encodes UTF-8 (nl_langinfo(CODESET)): 1 yes, 0 no (LANG=C). */
int td_locale_is_utf8(void);
/* ---- end Locale ---- */
#endif
