#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE 700
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <ncursesw/curses.h>
#include "CTerminalShim.h"

static volatile sig_atomic_t pending_signal = 0;
static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };

void td_restore_terminal(void) {
    if (!isendwin()) endwin();
}

static void on_quit_signal(int sig) {
    if (pending_signal != 0) {
        /* Second signal: the loop did not react in time. Restore and leave now. */
        td_restore_terminal();
        _exit(128 + sig);
    }
    pending_signal = sig;
}

static void on_crash_signal(int sig) {
    td_restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void at_exit_restore(void) { td_restore_terminal(); }

void td_install_signal_handlers(void) {
    static int atexit_done = 0;
    struct sigaction sa;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sa.sa_handler = on_quit_signal;
    for (unsigned i = 0; i < sizeof quit_signals / sizeof *quit_signals; i++) sigaction(quit_signals[i], &sa, NULL);
    sa.sa_handler = on_crash_signal;
    sa.sa_flags = SA_RESETHAND;
    for (unsigned i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++) sigaction(crash_signals[i], &sa, NULL);
    if (!atexit_done) { atexit(at_exit_restore); atexit_done = 1; }
}

void td_reset_signal_handlers(void) {
    for (unsigned i = 0; i < sizeof quit_signals / sizeof *quit_signals; i++) signal(quit_signals[i], SIG_DFL);
}

int td_take_signal(void) {
    int sig = pending_signal;
    pending_signal = 0;
    return sig;
}

void td_draw_text(int y, int x, const char *utf8, int bold, int dim, int reverse, int underline, int pair) {
    attr_t attrs = A_NORMAL;
    if (bold) attrs |= A_BOLD;
    if (dim) attrs |= A_DIM;
    if (reverse) attrs |= A_REVERSE;
    if (underline) attrs |= A_UNDERLINE;
    attr_set(attrs, (short)pair, NULL);
    mvaddstr(y, x, utf8);
}

int td_init_pair(int pair, int fg, int bg) {
    return init_pair((short)pair, (short)fg, (short)bg);
}

void td_repost_signal(int sig) { pending_signal = sig; }

#include <ncursesw/term.h>
int td_terminal_usable(void) {
    int error = 0;
    if (setupterm(NULL, STDOUT_FILENO, &error) != OK) return error == 1 ? 0 : (error == 0 ? -1 : -2);
    char *cup = tigetstr("cup");
    int usable = (cup != NULL && cup != (char *)-1) ? 1 : 0;
    del_curterm(cur_term);
    cur_term = NULL;
    return usable;
}

int td_colors(void) { return COLORS; }
int td_color_pairs(void) { return COLOR_PAIRS; }

#include <poll.h>
int td_input_hung_up(void) {
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 };
    if (poll(&p, 1, 0) < 0) return 0;
    return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) ? 1 : 0;
}

/* ---- Locale (helper "inputs": ASCII fallback) ---- */
#include <langinfo.h>
#include <strings.h>
int td_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    if (codeset == NULL) return 0;
    return (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "UTF8") == 0) ? 1 : 0;
}
/* ---- end Locale ---- */
