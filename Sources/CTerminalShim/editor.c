/* td_run_editor: an editor on the app's terminal, in the terminal's foreground process group (see the header). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "CTerminalShim.h"

extern char **environ;

/* The self-pipe the handlers below write to, and the first signal that asked to end the session. */
static volatile sig_atomic_t wake_fd = -1;
static volatile sig_atomic_t ending_signal = 0;
static struct sigaction saved_chld;

static void wake(void) {
    int fd = wake_fd;
    if (fd >= 0) {
        int saved = errno;
        char byte = 0;
        (void)!write(fd, &byte, 1);  /* a full pipe already wakes the loop */
        errno = saved;
    }
}

static void on_end_signal(int sig) {
    if (ending_signal == 0) ending_signal = sig;
    wake();
}

/* SIGCHLD also reaches other children's owners: the previous handler, if any, still runs. */
static void on_child(int sig, siginfo_t *info, void *context) {
    if (saved_chld.sa_flags & SA_SIGINFO) {
        if (saved_chld.sa_sigaction) saved_chld.sa_sigaction(sig, info, context);
    } else if (saved_chld.sa_handler != SIG_DFL && saved_chld.sa_handler != SIG_IGN && saved_chld.sa_handler) {
        saved_chld.sa_handler(sig);
    }
    wake();
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The parent of `pid` and its state letter (R, S, T, Z…), from /proc/<pid>/stat; -1 if gone. */
static pid_t parent_of(pid_t pid, char *state_out) {
    char path[64], buffer[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return -1;
    buffer[n] = 0;
    char *close_paren = strrchr(buffer, ')');  /* the command name may hold spaces and parentheses */
    if (!close_paren) return -1;
    char state = 0;
    int ppid = -1;
    if (sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return -1;
    if (state_out) *state_out = state;
    return (pid_t)ppid;
}

/* `root` and its descendants (the shell and the editor it runs, and whatever the editor started), root first. */
static int process_tree(pid_t root, pid_t *out, int capacity) {
    int count = 0;
    out[count++] = root;
    DIR *proc = opendir("/proc");
    if (!proc) return count;
    /* Breadth first: a pass over /proc per generation (editors rarely go deeper than sh → vim → a filter). */
    for (int generation = 0, start = 0; generation < 8 && start < count; generation++) {
        int end = count;
        rewinddir(proc);
        struct dirent *entry;
        while ((entry = readdir(proc)) != NULL && count < capacity) {
            char *rest;
            long pid = strtol(entry->d_name, &rest, 10);
            if (*rest != 0 || pid <= 0) continue;
            pid_t parent = parent_of((pid_t)pid, NULL);
            for (int i = start; i < end; i++) {
                if (parent == out[i]) { out[count++] = (pid_t)pid; break; }
            }
        }
        start = end;
    }
    closedir(proc);
    return count;
}

static int still_running(pid_t pid) {
    char state = 0;
    return parent_of(pid, &state) >= 0 && state != 'Z' && state != 'X';
}

static int is_stopped(pid_t pid) {
    char state = 0;
    return parent_of(pid, &state) >= 0 && (state == 'T' || state == 't');
}

/* Stops the editor for good: `sig`, SIGCONT (a stopped editor must see it), SIGKILL after `grace_ms`. */
static void end_editor(pid_t child, int sig, int grace_ms, int *status) {
    pid_t tree[256];
    int count = process_tree(child, tree, 256);
    for (int i = count - 1; i >= 0; i--) kill(tree[i], sig);
    for (int i = count - 1; i >= 0; i--) kill(tree[i], SIGCONT);
    int reaped = 0;
    long deadline = now_ms() + (grace_ms > 0 ? grace_ms : 0);
    for (;;) {
        if (!reaped) {
            pid_t r = waitpid(child, status, WNOHANG);
            if (r == child || (r < 0 && errno == ECHILD)) reaped = 1;
        }
        int left = 0;
        for (int i = 1; i < count; i++) left += still_running(tree[i]);
        if (reaped && left == 0) return;
        if (now_ms() >= deadline) break;
        /* Grandchildren send no SIGCHLD here: look again shortly. */
        poll(NULL, 0, 10);
    }
    for (int i = count - 1; i >= 0; i--) {
        if (i == 0 ? !reaped : still_running(tree[i])) kill(tree[i], SIGKILL);
    }
    if (!reaped) {
        while (waitpid(child, status, 0) < 0 && errno == EINTR) {}
    }
}

td_editor_result td_run_editor(const char *editor, const char *path, int grace_ms, int terminal_fd) {
    td_editor_result result = { TD_EDITOR_SPAWN_FAILED, 0 };
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) { result.code = errno; return result; }

    /* `"$1"`: the path is an argument, never part of the script; the editor string is, as with git's $EDITOR. */
    size_t length = strlen(editor) + 8;
    char *script = malloc(length);
    if (!script) { close(pipe_fds[0]); close(pipe_fds[1]); result.code = ENOMEM; return result; }
    snprintf(script, length, "%s \"$1\"", editor);
    char *argv[] = { "sh", "-c", script, "sh", (char *)path, NULL };

    ending_signal = 0;
    wake_fd = pipe_fds[1];

    /* Signals this thread must take while it waits (a Dispatch-made thread may block them). */
    sigset_t wanted, old_mask;
    sigemptyset(&wanted);
    int unblocked[] = { SIGCHLD, SIGHUP, SIGTERM, SIGTSTP, SIGCONT };
    for (unsigned i = 0; i < sizeof unblocked / sizeof *unblocked; i++) sigaddset(&wanted, unblocked[i]);
    pthread_sigmask(SIG_UNBLOCK, &wanted, &old_mask);

    struct sigaction ignore, deflt, end, child, old_int, old_quit, old_tstp, old_hup, old_term;
    memset(&ignore, 0, sizeof ignore);
    sigemptyset(&ignore.sa_mask);
    deflt = ignore;
    end = ignore;
    child = ignore;
    ignore.sa_handler = SIG_IGN;
    deflt.sa_handler = SIG_DFL;
    end.sa_handler = on_end_signal;
    end.sa_flags = SA_RESTART;
    child.sa_sigaction = on_child;
    child.sa_flags = SA_RESTART | SA_SIGINFO;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigaction(SIGTSTP, &deflt, &old_tstp);  /* curses' own SIGTSTP handler would redraw over the editor */
    sigaction(SIGHUP, &end, &old_hup);
    sigaction(SIGTERM, &end, &old_term);
    sigaction(SIGCHLD, &child, &saved_chld);

    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&attributes, &none);
    /* Default dispositions: ignored ones (SIGINT, SIGQUIT here, SIGPIPE in the Swift runtime) would be inherited. */
    posix_spawnattr_setsigdefault(&attributes, &all);
    /* No POSIX_SPAWN_SETPGROUP: the editor stays in the app's group, the terminal's foreground group. */
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, "/bin/sh", NULL, &attributes, argv, environ);
    posix_spawnattr_destroy(&attributes);
    free(script);

    if (spawned != 0) {
        result.code = spawned;
    } else {
        int status = 0;
        for (;;) {
            if (ending_signal != 0) {
                int sig = ending_signal;
                end_editor(pid, sig, grace_ms, &status);
                result.outcome = TD_EDITOR_ENDED;
                result.code = sig;
                break;
            }
            pid_t r = waitpid(pid, &status, WNOHANG | WUNTRACED);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) { result.outcome = TD_EDITOR_WAIT_FAILED; result.code = errno; break; }
            if (r == pid && WIFEXITED(status)) { result.outcome = TD_EDITOR_EXITED; result.code = WEXITSTATUS(status); break; }
            if (r == pid && WIFSIGNALED(status)) { result.outcome = TD_EDITOR_SIGNALED; result.code = WTERMSIG(status); break; }
            if (r == pid && WIFSTOPPED(status)) {
                /* The editor stopped (Ctrl-Z) without us: stop too, as the shell expects of its job, then carry on
                   together. In an orphaned group the kernel drops SIGTSTP and this returns at once. */
                /* (Still stopped: a Ctrl-Z that stopped the whole group, app included, and `fg` since, is over.) */
                if (is_stopped(pid)) kill(getpid(), SIGTSTP);
                pid_t tree[256];
                int count = process_tree(pid, tree, 256);
                for (int i = 0; i < count; i++) kill(tree[i], SIGCONT);
                continue;
            }
            struct pollfd fds[2] = {
                { .fd = pipe_fds[0], .events = POLLIN, .revents = 0 },
                /* events 0: only a hang-up (POLLHUP/POLLERR) is reported; the editor's input is not touched. */
                { .fd = terminal_fd, .events = 0, .revents = 0 },  /* poll skips a negative fd */
            };
            int ready = poll(fds, 2, -1);
            if (ready < 0 && errno != EINTR) { poll(NULL, 0, 10); continue; }
            if (fds[0].revents & POLLIN) {
                char drain[64];
                while (read(pipe_fds[0], drain, sizeof drain) > 0) {}
            }
            if ((fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) && ending_signal == 0) ending_signal = SIGHUP;
        }
    }

    sigaction(SIGCHLD, &saved_chld, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGTSTP, &old_tstp, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGINT, &old_int, NULL);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    wake_fd = -1;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    /* A hang-up or SIGTERM while the editor was open: the app now stops as on that signal. */
    if (ending_signal != 0) td_repost_signal(ending_signal);
    return result;
}
