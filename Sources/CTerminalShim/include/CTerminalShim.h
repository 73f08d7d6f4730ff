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
