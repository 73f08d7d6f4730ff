#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H
/* SwiftPM drops the -D flags from ncursesw.pc, so ask for the wide API here. */
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Swift 6 rejects reads of imported mutable C globals: read them via functions. */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
/* Attribute macros (A_*) are NCURSES_BITS(...) expansions and do not import. */
static inline unsigned int cn_a_bold(void) { return (unsigned int)A_BOLD; }
static inline unsigned int cn_a_reverse(void) { return (unsigned int)A_REVERSE; }
static inline unsigned int cn_a_underline(void) { return (unsigned int)A_UNDERLINE; }
static inline unsigned int cn_a_dim(void) { return (unsigned int)A_DIM; }
static inline unsigned int cn_a_normal(void) { return (unsigned int)A_NORMAL; }
static inline int cn_key_resize(void) { return KEY_RESIZE; }
static inline int cn_key_code_yes(void) { return KEY_CODE_YES; }
static inline const char *cn_curses_version(void) { return curses_version(); }
#endif
