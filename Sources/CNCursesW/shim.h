#ifndef KEYDASH_CNCURSESW_SHIM_H
#define KEYDASH_CNCURSESW_SHIM_H

// Wide-character curses: must be defined before <curses.h>.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <string.h>
#include <langinfo.h>
#include <wchar.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

// Swift can't import curses' globals and function-like macros under strict
// concurrency; these wrappers are the only way the adapter reaches them.

static inline WINDOW *kd_stdscr(void) { return stdscr; }
static inline int kd_lines(void) { return LINES; }
static inline int kd_cols(void) { return COLS; }
static inline int kd_colors(void) { return COLORS; }
static inline int kd_color_pairs(void) { return COLOR_PAIRS; }
static inline void kd_set_escdelay(int ms) { set_escdelay(ms); }
static inline SCREEN *kd_newterm_stdio(void) { return newterm(NULL, stdout, stdin); }
static inline void kd_flush_stdout(void) { fflush(stdout); }

static inline attr_t kd_a_normal(void) { return A_NORMAL; }
static inline attr_t kd_a_bold(void) { return A_BOLD; }
static inline attr_t kd_a_dim(void) { return A_DIM; }
static inline attr_t kd_a_underline(void) { return A_UNDERLINE; }
static inline attr_t kd_a_reverse(void) { return A_REVERSE; }

static inline int kd_err(void) { return ERR; }
static inline int kd_ok(void) { return OK; }
static inline int kd_key_code_yes(void) { return KEY_CODE_YES; }

static inline mmask_t kd_mouse_mask(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
        | BUTTON5_PRESSED
#endif
        ;
}
static inline int kd_mouse_is_wheel_up(mmask_t state) { return (state & BUTTON4_PRESSED) != 0; }
static inline int kd_mouse_is_wheel_down(mmask_t state) {
#ifdef BUTTON5_PRESSED
    return (state & BUTTON5_PRESSED) != 0;
#else
    return 0;
#endif
}
static inline int kd_mouse_is_click(mmask_t state) { return (state & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0; }

// Put one cell: a grapheme of up to a few wide characters with attributes
// and a colour pair.
static inline int kd_put_cell(int y, int x, const wchar_t *wch, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, wch, attrs, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}

// curses' own line-drawing characters, for terminals without UTF-8.
static inline int kd_put_acs(int y, int x, int which, attr_t attrs, short pair) {
    chtype ch;
    switch (which) {
        case 0: ch = ACS_HLINE; break;
        case 1: ch = ACS_VLINE; break;
        case 2: ch = ACS_ULCORNER; break;
        case 3: ch = ACS_URCORNER; break;
        case 4: ch = ACS_LLCORNER; break;
        case 5: ch = ACS_LRCORNER; break;
        case 6: ch = ACS_LTEE; break;
        case 7: ch = ACS_RTEE; break;
        default: ch = '?'; break;
    }
    return mvaddch(y, x, ch | attrs | COLOR_PAIR(pair));
}

static inline int kd_terminal_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

// The C library's idea of a character's width, to check keydash's own table.
extern int wcwidth(wchar_t c);
static inline int kd_wcwidth(wchar_t c) { return wcwidth(c); }

static inline int kd_is_utf8_locale(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

#endif
