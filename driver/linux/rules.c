/*
 * The host's iptables/ip6tables rules (rules.h): the install and removal scripts, generated
 * from iptables-save output and run through /bin/sh with a fixed environment, the owner tags
 * that make every object attributable to one live process, and the watchdog that removes our
 * rules when that process dies. Kept as text generation plus one runner so that the scripts
 * can be unit-tested without root.
 */
#define _GNU_SOURCE
#include "rules.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The tools are found on this PATH whatever the embedding process's environment is. */
static char *const tool_env[] = {
    "PATH=/usr/sbin:/sbin:/usr/local/sbin:/usr/bin:/bin:/usr/local/bin", "LC_ALL=C", NULL};

/*
 * Removes every rule containing $1 (first -D, so the chains are empty) and then every chain
 * whose name starts with $1, in both families. Shared by explicit removal and the watchdog.
 */
#define REMOVE_SCRIPT                                                                          \
    "status=0\n"                                                                               \
    "for fam in iptables ip6tables; do\n"                                                      \
    "  save=$(\"$fam-save\" -t mangle 2>/dev/null) || continue\n"                              \
    "  dels=$(printf '%s\\n' \"$save\" | grep -F -e \"$1\" | sed -n 's/^-A /-D /p')\n"         \
    "  chains=$(printf '%s\\n' \"$save\" | sed -n \"s/^:\\($1[^ ]*\\) .*/\\1/p\")\n"         \
    "  [ -n \"$dels$chains\" ] || continue\n"                                                  \
    "  { echo '*mangle'; [ -z \"$dels\" ] || printf '%s\\n' \"$dels\";\n"                      \
    "    for c in $chains; do echo \"-X $c\"; done; echo COMMIT; } | \"$fam-restore\" -n || status=1\n" \
    "done\n"                                                                                   \
    "exit $status\n"

static const char watchdog_script[] =
    "trap '' INT HUP TERM QUIT PIPE\n"
    "while read -r _; do :; done\n" REMOVE_SCRIPT;

static pthread_mutex_t rules_lock = PTHREAD_MUTEX_INITIALIZER;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (errlen == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

uint32_t rules_mark(uint16_t id, int inbound)
{
    return RULES_MARK_INJECTED | (inbound ? RULES_MARK_INBOUND : 0u) | (uint32_t)(id & RULES_ID_MAX) << 16;
}

unsigned long long rules_process_start(long pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return 0;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may contain anything, so fields are counted after its last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL) {
        return 0;
    }
    p++;
    for (int field = 3; field < 22; field++) {
        p = strchr(p + 1, ' ');
        if (p == NULL) {
            return 0;
        }
    }
    return strtoull(p + 1, NULL, 10);
}

int rules_owner_tag(char out[RULES_OWNER_TAG_LEN + 1], long pid)
{
    if (pid == 0) {
        pid = (long)getpid();
    }
    unsigned long long start = rules_process_start(pid);
    if (start == 0 || pid < 0 || pid > 0xFFFFFF || start > 0xFFFFFFFFFFULL) {
        return -1;
    }
    char tag[48];
    snprintf(tag, sizeof tag, "D4J-%06lx-%010llx-", pid, start);
    memcpy(out, tag, RULES_OWNER_TAG_LEN + 1);
    return 0;
}

/*
 * Runs `/bin/sh -c script sh arg`, feeding `in` (may be NULL) and collecting stdout and stderr.
 * Returns the exit status (>= 0) or -1 with err set.
 */
static int run_sh(const char *script, const char *arg, const char *in, char *out, size_t outlen,
                  char *err, size_t errlen)
{
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
    int status = -1;
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int have_fa = 0, have_attr = 0;
    if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) {
        set_err(err, errlen, "pipe: %s", strerror(errno));
        goto done;
    }
    have_fa = posix_spawn_file_actions_init(&fa) == 0;
    have_attr = posix_spawnattr_init(&attr) == 0;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    if (!have_fa || !have_attr
        || posix_spawn_file_actions_adddup2(&fa, pin[0], 0) != 0
        || posix_spawn_file_actions_adddup2(&fa, pout[1], 1) != 0
        || posix_spawn_file_actions_adddup2(&fa, perr[1], 2) != 0
        || posix_spawnattr_setsigmask(&attr, &none) != 0
        || posix_spawnattr_setsigdefault(&attr, &all) != 0
        || posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0) {
        set_err(err, errlen, "cannot prepare /bin/sh");
        goto done;
    }
    char *argv[] = {"sh", "-c", (char *)script, "sh", (char *)arg, NULL};
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, tool_env);
    if (rc != 0) {
        pid = -1;
        set_err(err, errlen, "cannot run /bin/sh: %s", strerror(rc));
        goto done;
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    pin[0] = pout[1] = perr[1] = -1;
    size_t inleft = in ? strlen(in) : 0;
    size_t outn = 0, errn = 0;
    if (inleft == 0) {
        close(pin[1]);
        pin[1] = -1;
    }
    while (pout[0] >= 0 || perr[0] >= 0) {
        struct pollfd pf[3] = {{pin[1], POLLOUT, 0}, {pout[0], POLLIN, 0}, {perr[0], POLLIN, 0}};
        if (poll(pf, 3, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (pin[1] >= 0 && pf[0].revents) {
            ssize_t w = write(pin[1], in, inleft);
            if (w > 0) {
                in += w;
                inleft -= (size_t)w;
            }
            if (w < 0 || inleft == 0) {
                close(pin[1]);
                pin[1] = -1;
            }
        }
        for (int i = 1; i < 3; i++) {
            if (pf[i].fd < 0 || !pf[i].revents) {
                continue;
            }
            char scratch[4096];
            char *dst = i == 1 ? out : err;
            size_t cap = i == 1 ? outlen : errlen;
            size_t *used = i == 1 ? &outn : &errn;
            ssize_t r;
            if (dst != NULL && *used + 1 < cap) {
                r = read(pf[i].fd, dst + *used, cap - 1 - *used);
                if (r > 0) {
                    *used += (size_t)r;
                }
            } else {
                r = read(pf[i].fd, scratch, sizeof scratch); /* overflow is discarded */
            }
            if (r == 0 || (r < 0 && errno != EINTR)) {
                close(pf[i].fd);
                if (i == 1) {
                    pout[0] = -1;
                } else {
                    perr[0] = -1;
                }
            }
        }
    }
    if (out != NULL && outlen > 0) {
        out[outn < outlen ? outn : outlen - 1] = '\0';
    }
    if (err != NULL && errlen > 0) {
        err[errn < errlen ? errn : errlen - 1] = '\0';
    }
    int ws;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR) {
            set_err(err, errlen, "waitpid: %s", strerror(errno));
            goto done;
        }
    }
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
done:
    for (int i = 0; i < 2; i++) {
        int *fds[] = {pin, pout, perr};
        for (int k = 0; k < 3; k++) {
            if (fds[k][i] >= 0) {
                close(fds[k][i]);
            }
        }
    }
    if (have_fa) {
        posix_spawn_file_actions_destroy(&fa);
    }
    if (have_attr) {
        posix_spawnattr_destroy(&attr);
    }
    return status;
}

/* Appends formatted text; on overflow marks the buffer as failed (*pos = len + 1). */
static void emit(char *out, size_t len, size_t *pos, const char *fmt, ...)
{
    if (*pos >= len) {
        *pos = len + 1;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len - *pos) {
        *pos = len + 1;
        return;
    }
    *pos += (size_t)n;
}

/*
 * 1-based position at which a handle of priority `prio` goes in built-in chain `hook`: before
 * the first divert4j rule of lower priority; 0 = append.
 */
static int insert_position(const char *save, const char *hook, int prio)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "-A %s ", hook);
    size_t plen = strlen(prefix);
    int index = 0;
    for (const char *line = save; line != NULL && *line; ) {
        const char *eol = strchr(line, '\n');
        size_t llen = eol ? (size_t)(eol - line) : strlen(line);
        if (llen > plen && strncmp(line, prefix, plen) == 0) {
            index++;
            const char *c = strstr(line, "--comment \"D4J-");
            if (c != NULL && (size_t)(c - line) < llen) {
                const char *p = strstr(c, " prio=");
                if (p != NULL && (size_t)(p - line) < llen && strtol(p + 6, NULL, 10) < prio) {
                    return index;
                }
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return 0;
}

int rules_install_script(char *out, size_t len, const char *save, const rules_handle *h, int family)
{
    static const struct { unsigned v4, v6; const char *name; char letter; int inbound; } hooks[] = {
        {RULES_OUT_V4, RULES_OUT_V6, "OUTPUT", 'o', 0},
        {RULES_IN_V4, RULES_IN_V6, "INPUT", 'i', 1},
        {RULES_FWD_V4, RULES_FWD_V6, "FORWARD", 'f', 0},
    };
    uint16_t id = (uint16_t)(h->queue - RULES_QUEUE_FIRST);
    size_t pos = 0;
    int any = 0;
    emit(out, len, &pos, "*mangle\n");
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
        unsigned bit = family == 4 ? hooks[i].v4 : hooks[i].v6;
        if (h->capture & bit) {
            emit(out, len, &pos, ":%s%c - [0:0]\n", h->tag, hooks[i].letter);
        }
    }
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
        unsigned bit = family == 4 ? hooks[i].v4 : hooks[i].v6;
        int capture = (h->capture & bit) != 0;
        if (!capture && !(h->release & bit)) {
            continue;
        }
        any = 1;
        char chain[RULES_HANDLE_TAG_LEN + 2];
        snprintf(chain, sizeof chain, "%s%c", h->tag, hooks[i].letter);
        if (capture) {
            if (hooks[i].inbound) {
                /* Inbound loopback is seen once, outbound; injected inbound packets are not loopback. */
                emit(out, len, &pos, "-A %s -i lo -m mark ! --mark 0x%08x/0x%08x -j RETURN\n", chain,
                     RULES_MARK_INBOUND, RULES_MARK_INBOUND);
            }
            emit(out, len, &pos, "-A %s -m mark --mark 0x%08x/0x%08x -j RETURN\n", chain,
                 RULES_MARK_INJECTED, RULES_MARK_INJECTED);
            const char *bpf = h->bpf[__builtin_ctz(bit)];
            emit(out, len, &pos, "-A %s%s%s%s -j NFQUEUE --queue-num %u --queue-bypass\n", chain,
                 bpf[0] ? " -m bpf --bytecode \"" : "", bpf, bpf[0] ? "\"" : "", h->queue);
        }
        int at = insert_position(save, hooks[i].name, h->priority);
        char where[48];
        if (at == 0) {
            snprintf(where, sizeof where, "-A %s", hooks[i].name);
        } else {
            snprintf(where, sizeof where, "-I %s %d", hooks[i].name, at);
        }
        if (capture) {
            emit(out, len, &pos, "%s -m comment --comment \"%s prio=%d\" -j %s\n", where, h->tag,
                 h->priority, chain);
            if (at != 0) {
                snprintf(where, sizeof where, "-I %s %d", hooks[i].name, at + 1);
            }
        }
        uint32_t mark = rules_mark(id, hooks[i].inbound);
        uint32_t released = hooks[i].inbound ? RULES_MARK_INBOUND : 0;
        emit(out, len, &pos,
             "%s -m mark --mark 0x%08x/0x%08x -m comment --comment \"%s prio=%d\" "
             "-j MARK --set-xmark 0x%08x/0x%08x\n",
             where, mark, RULES_MARK_MASK, h->tag, h->priority, released, RULES_MARK_MASK);
    }
    emit(out, len, &pos, "COMMIT\n");
    if (pos > len) {
        return -1;
    }
    return any ? (int)pos : 0;
}

/*
 * Writes the script of h and runs it; where that fails with a prefilter, once more without:
 * a kernel without xt_bpf still gets the rules (every packet of the hook is then queued).
 */
static int restore(const char *tool, const char *save, const rules_handle *h, int family,
                   char *script, size_t cap, char *err, size_t errlen)
{
    static rules_handle plain;
    static int warned;
    int n = rules_install_script(script, cap, save, h, family);
    if (n <= 0) {
        if (n < 0) {
            set_err(err, errlen, "%s rules do not fit", tool);
        }
        return n < 0 ? -1 : 0;
    }
    char out[256];
    char msg[1024] = "";
    int rc = run_sh("exec \"$1-restore\" -n", tool, script, out, sizeof out, msg, sizeof msg);
    if (rc != 0 && strstr(script, " -m bpf ") != NULL) {
        plain = *h;
        memset(plain.bpf, 0, sizeof plain.bpf);
        if (restore(tool, save, &plain, family, script, cap, err, errlen) == 0) {
            if (!warned) {
                warned = 1;
                fprintf(stderr, "divert4j: %s-restore refused the bpf match (no xt_bpf?): no in-kernel "
                        "prefilter, every packet of the hook goes to user space\n", tool);
            }
            return 0;
        }
    }
    if (rc != 0) {
        set_err(err, errlen, "%s-restore failed (%d): %s", tool, rc, msg);
        return -1;
    }
    return 0;
}

int rules_install(const rules_handle *h, char *err, size_t errlen)
{
    static char save[256 * 1024];
    static char script[16 * 1024];
    int result = 0;
    pthread_mutex_lock(&rules_lock);
    for (int family = 4; family <= 6 && result == 0; family += 2) {
        const char *tool = family == 4 ? "iptables" : "ip6tables";
        int rc = run_sh("exec \"$1-save\" -t mangle", tool, NULL, save, sizeof save, err, errlen);
        if (rc != 0) {
            set_err(err, errlen, "%s-save failed (%d)", tool, rc);
            result = -1;
            break;
        }
        result = restore(tool, save, h, family, script, sizeof script, err, errlen);
    }
    pthread_mutex_unlock(&rules_lock);
    if (result != 0) {
        char ignored[256];
        (void)rules_remove(h->tag, ignored, sizeof ignored);
    }
    return result;
}

int rules_remove(const char *tag, char *err, size_t errlen)
{
    char out[256];
    pthread_mutex_lock(&rules_lock);
    int rc = run_sh(REMOVE_SCRIPT, tag, NULL, out, sizeof out, err, errlen);
    pthread_mutex_unlock(&rules_lock);
    if (rc != 0) {
        if (errlen > 0 && err[0] == '\0') {
            set_err(err, errlen, "removing the rules of %s failed (%d)", tag, rc);
        }
        return -1;
    }
    return 0;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

int rules_owners_in(const char *save, char *out, size_t len)
{
    size_t pos = 0;
    if (len == 0) {
        return -1;
    }
    out[0] = '\0';
    for (const char *p = strstr(save, "D4J-"); p != NULL; p = strstr(p + 1, "D4J-")) {
        if (strlen(p) < RULES_OWNER_TAG_LEN || !is_hex(p + 4, 6) || p[10] != '-'
            || !is_hex(p + 11, 10) || p[21] != '-') {
            continue;
        }
        char tag[RULES_OWNER_TAG_LEN + 2];
        memcpy(tag, p, RULES_OWNER_TAG_LEN);
        tag[RULES_OWNER_TAG_LEN] = '\n';
        tag[RULES_OWNER_TAG_LEN + 1] = '\0';
        if (strstr(out, tag) != NULL) {
            continue;
        }
        if (pos + RULES_OWNER_TAG_LEN + 1 >= len) {
            return -1;
        }
        memcpy(out + pos, tag, RULES_OWNER_TAG_LEN + 2);
        pos += RULES_OWNER_TAG_LEN + 1;
    }
    return (int)pos;
}

int rules_remove_stale(char *err, size_t errlen)
{
    static char save[256 * 1024];
    static char owners[8192];
    int removed = 0;
    for (int family = 4; family <= 6; family += 2) {
        const char *tool = family == 4 ? "iptables" : "ip6tables";
        pthread_mutex_lock(&rules_lock);
        int rc = run_sh("exec \"$1-save\" -t mangle", tool, NULL, save, sizeof save, err, errlen);
        int n = rc == 0 ? rules_owners_in(save, owners, sizeof owners) : -1;
        pthread_mutex_unlock(&rules_lock);
        if (rc != 0 || n < 0) {
            set_err(err, errlen, "%s-save failed or too many owners (%d)", tool, rc);
            return -1;
        }
        for (char *line = owners; *line; line += RULES_OWNER_TAG_LEN + 1) {
            line[RULES_OWNER_TAG_LEN] = '\0';
            long pid = strtol(line + 4, NULL, 16);
            unsigned long long start = strtoull(line + 11, NULL, 16);
            /* A recycled pid (ours included) shows a different start time. */
            if (rules_process_start(pid) != start) {
                if (rules_remove(line, err, errlen) != 0) {
                    return -1;
                }
                removed++;
            }
        }
    }
    return removed;
}

int rules_start_watchdog(const char *owner_tag, char *err, size_t errlen)
{
    /* The write end is kept open (and close-on-exec) for the life of the process on purpose. */
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        set_err(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        rc = posix_spawnattr_init(&attr);
        if (rc != 0) {
            posix_spawn_file_actions_destroy(&fa);
        }
    }
    if (rc != 0) {
        close(p[0]);
        close(p[1]);
        set_err(err, errlen, "cannot prepare the watchdog");
        return -1;
    }
    if (posix_spawn_file_actions_adddup2(&fa, p[0], 0) != 0
        || posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0
        || posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) != 0
        || posix_spawnattr_setsigmask(&attr, &none) != 0
        || posix_spawnattr_setsigdefault(&attr, &all) != 0
        /* Own session: a Ctrl-C or kill of our process group must not take the watchdog along. */
        || posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK
                                               | POSIX_SPAWN_SETSIGDEF) != 0) {
        rc = -1;
    } else {
        pid_t pid;
        char *argv[] = {"divert4j-watchdog", "-c", (char *)watchdog_script, "sh",
                        (char *)owner_tag, NULL};
        rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, tool_env);
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(p[0]);
    if (rc != 0) {
        close(p[1]);
        set_err(err, errlen, "cannot start the watchdog");
        return -1;
    }
    return 0;
}
