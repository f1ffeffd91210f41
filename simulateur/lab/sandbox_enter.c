/* sandbox_enter — run a command inside a running lab host, confined (the `enter` of the sandbox).
 *
 * Why C: the engine enters a host for every command it runs there (services, faults, solutions,
 * probes' helpers, the trainee's exec and shell). The same steps in Python (the machine's python
 * -I -S, ctypes) cost ~12 ms a call against ~1 ms here; a lab's build makes ~20 such calls in a row
 * (measured with bench/ab.py: ready 1.23x the unconfined engine with the Python version). Built on
 * first use by simulateur/lab/sandbox.py with the machine's cc (cached by the hash of this file).
 *
 * usage: sandbox_enter PID START BPF CAPS_HEX CWD TTY USERNS AUDIT_SOCK NOTIFY_BPF HOST TAG
 *                      NCG CGROUP_PROCS... NENV K=V... -- ARGV...
 *
 * The calling process only sets the PID namespace its children are born in, then forks: it stays
 * entirely in the machine's namespaces, waits and passes the exit status on (128+N, or the same
 * signal, when the command was killed). The child joins the lab's cgroups and the host's cgroup,
 * ipc, uts, net and mount namespaces, takes the host's root, (USERNS=1) becomes root of the host's
 * user namespace, drops the capability bounding set to CAPS_HEX, loads the seccomp program BPF
 * (compiled by seccomp_build.py) while CAP_SYS_ADMIN is still held, sets its own capability sets,
 * and execs ARGV with exactly the environment K=V... Unless AUDIT_SOCK is "-", the child first loads
 * the exec notifier NOTIFY_BPF with a new listener and hands that listener, with HOST and TAG, to
 * the lab's exec auditor (simulateur/lab/audit.py) on AUDIT_SOCK — connected by the caller before
 * the fork, from the machine's side — and waits for its answer: from then on every execve of the
 * command and of all its descendants waits until the auditor has recorded it (the journal's
 * source of truth, which nothing in the host can reach). If the caller dies, the child is killed
 * (PR_SET_PDEATHSIG, checked against the race with a pipe). TTY=1: fd 0 is a terminal of the
 * host, made the child's controlling terminal in a session of its own.
 * Same semantics as sandbox_agent.py (boot), values from simulateur/lab/profile.py. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef PR_SET_SECUREBITS
#define PR_SET_SECUREBITS 28
#endif

extern char **environ;
static pid_t child = -1;

static void fail(const char *what) {
    int err = errno;
    fprintf(stderr, "bac à sable : %s refusé (%s)\n", what, strerror(err));
    _exit(111);
}

static void forward(int sig) {
    if (child > 0)
        kill(child, sig);
}

static long long start_time(const char *pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* after ")": state is field 0; starttime is field 19 */
    int field = -1;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
        if (++field == 19)
            return atoll(tok);
    }
    return -1;
}

static struct sock_filter *read_bpf(const char *path, unsigned short *len) {
    int bfd = open(path, O_RDONLY | O_CLOEXEC);
    if (bfd < 0)
        fail(path);
    struct stat st;
    if (fstat(bfd, &st) != 0 || st.st_size <= 0 || st.st_size % 8 != 0 || st.st_size / 8 > 4096)
        fail("seccomp");
    struct sock_filter *prog = malloc((size_t)st.st_size);
    if (!prog || read(bfd, prog, (size_t)st.st_size) != st.st_size)
        fail("seccomp");
    close(bfd);
    *len = (unsigned short)(st.st_size / 8);
    return prog;
}

/* The exec notifier, and its listener handed to the auditor (who answers one byte once it holds it). */
static void hand_listener(int audit, struct sock_filter *prog, unsigned short len, const char *host,
                          const char *tag) {
    struct sock_fprog fprog = {.len = len, .filter = prog};
    int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
    if (listener < 0)
        fail("seccomp notify");
    char text[512];
    int n = snprintf(text, sizeof text, "%s%c%s", host, 0, tag);
    if (n < 0 || (size_t)n >= sizeof text)
        fail("audit");
    struct iovec iov = {.iov_base = text, .iov_len = (size_t)n};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &listener, sizeof(int));
    if (sendmsg(audit, &msg, MSG_NOSIGNAL) < 0)
        fail("audit");
    close(listener);
    struct timeval tv = {.tv_sec = 20, .tv_usec = 0};
    setsockopt(audit, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char ok;
    if (recv(audit, &ok, 1, 0) != 1 || ok != 'k') {
        fprintf(stderr, "bac à sable : l'enregistreur des commandes du laboratoire ne répond pas\n");
        _exit(113);
    }
    close(audit);
}

static int open_ns(const char *pid, const char *kind) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, kind);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail(path);
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 15) {
        fprintf(stderr, "usage: sandbox_enter PID START BPF CAPS CWD TTY USERNS AUDIT NOTIFY HOST TAG NCG ... NENV ... -- ARGV\n");
        return 2;
    }
    const char *pid = argv[1];
    long long start = atoll(argv[2]);
    const char *bpf_path = argv[3];
    uint64_t caps = strtoull(argv[4], NULL, 16);
    const char *cwd = argv[5];
    int tty = atoi(argv[6]), userns = atoi(argv[7]);
    const char *audit_sock = argv[8], *notify_path = argv[9], *host = argv[10], *tag = argv[11];
    int audited = strcmp(audit_sock, "-") != 0;
    int i = 12;
    int ncg = atoi(argv[i++]);
    char **cgroups = &argv[i];
    i += ncg;
    if (i >= argc)
        return 2;
    int nenv = atoi(argv[i++]);
    char **env = calloc((size_t)nenv + 1, sizeof(char *));
    for (int k = 0; k < nenv && i < argc; k++)
        env[k] = argv[i++];
    if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc)
        return 2;
    char **cmd = &argv[i + 1];

    /* the seccomp programs and the kernel's last capability, read before anything is entered */
    unsigned short prog_len = 0, notify_len = 0;
    struct sock_filter *prog = read_bpf(bpf_path, &prog_len);
    struct sock_filter *notify = audited ? read_bpf(notify_path, &notify_len) : NULL;
    int audit = -1;
    if (audited) {   /* the auditor, reached from the machine's side before anything is entered */
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(audit_sock) >= sizeof addr.sun_path)
            return 2;
        strcpy(addr.sun_path, audit_sock);
        audit = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (audit < 0 || connect(audit, (struct sockaddr *)&addr, sizeof addr) != 0) {
            fprintf(stderr, "bac à sable : l'enregistreur des commandes du laboratoire est injoignable (%s)\n",
                    strerror(errno));
            _exit(113);
        }
    }
    int cap_last = 40;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f) {
        if (fscanf(f, "%d", &cap_last) != 1)
            cap_last = 40;
        fclose(f);
    }

    int nspid = open_ns(pid, "pid"), nscg = open_ns(pid, "cgroup"), nsipc = open_ns(pid, "ipc");
    int nsuts = open_ns(pid, "uts"), nsnet = open_ns(pid, "net"), nsmnt = open_ns(pid, "mnt");
    int nsuser = userns ? open_ns(pid, "user") : -1;
    char rootpath[64];
    snprintf(rootpath, sizeof rootpath, "/proc/%s/root", pid);
    int rootfd = open(rootpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 || start_time(pid) != start) {
        fprintf(stderr, "sandbox: host down\n");
        _exit(112);
    }
    if (setns(nspid, CLONE_NEWPID) != 0)   /* for our children only: this process stays outside */
        fail("setns pid");
    signal(SIGINT, SIG_IGN);   /* the terminal sends them to the child itself */
    signal(SIGQUIT, SIG_IGN);
    int alive[2];
    if (pipe2(alive, O_CLOEXEC) != 0)
        fail("pipe");
    child = fork();
    if (child < 0)
        fail("fork");
    if (child == 0) {
        close(alive[1]);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
            fail("pdeathsig");
        fcntl(alive[0], F_SETFL, O_NONBLOCK);
        char c;
        if (read(alive[0], &c, 1) == 0)   /* EOF: the caller died before PDEATHSIG was set */
            _exit(1);
        close(alive[0]);
        if (tty) {
            setsid();
            if (ioctl(0, TIOCSCTTY, 0) != 0)
                fail("tty");
        }
        for (int k = 0; k < ncg; k++) {
            int cfd = open(cgroups[k], O_WRONLY | O_CLOEXEC);
            if (cfd < 0 || write(cfd, "0", 1) != 1)
                fail(cgroups[k]);
            close(cfd);
        }
        if (setns(nscg, CLONE_NEWCGROUP) || setns(nsipc, CLONE_NEWIPC) || setns(nsuts, CLONE_NEWUTS) ||
            setns(nsnet, CLONE_NEWNET) || setns(nsmnt, CLONE_NEWNS))
            fail("setns");
        if (fchdir(rootfd) != 0 || chroot(".") != 0)
            fail("chroot");
        close(nspid), close(nscg), close(nsipc), close(nsuts), close(nsnet), close(nsmnt), close(rootfd);
        if (nsuser >= 0) {   /* last: joining the host's mount namespace needed the machine's root */
            if (setns(nsuser, CLONE_NEWUSER) != 0)
                fail("setns user");
            close(nsuser);
            if (prctl(PR_SET_SECUREBITS, 0, 0, 0, 0) != 0 || setgroups(0, NULL) != 0 ||
                setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
                fail("user");
        }
        if (chdir(cwd) != 0 && chdir("/") != 0)
            fail("chdir");
        for (int cap = 0; cap <= cap_last; cap++)
            if (!(caps >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
                fail("capbset");
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
            fail("ambient");
        if (audit >= 0)
            hand_listener(audit, notify, notify_len, host, tag);
        struct sock_fprog fprog = {.len = prog_len, .filter = prog};
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) != 0)
            fail("seccomp");
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[2] = {
            {.effective = (uint32_t)caps, .permitted = (uint32_t)caps, .inheritable = 0},
            {.effective = (uint32_t)(caps >> 32), .permitted = (uint32_t)(caps >> 32), .inheritable = 0}};
        if (syscall(SYS_capset, &hdr, data) != 0)
            fail("capset");
        signal(SIGINT, SIG_DFL), signal(SIGQUIT, SIG_DFL), signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL), signal(SIGPIPE, SIG_DFL);
        environ = env;   /* execvp searches the PATH of the new environment */
        execvp(cmd[0], cmd);
        int err = errno;
        fprintf(stderr, "%s: %s\n", cmd[0], strerror(err));
        _exit(err == ENOENT ? 127 : 126);
    }
    close(alive[0]);
    if (audit >= 0)
        close(audit);
    close(nspid), close(nscg), close(nsipc), close(nsuts), close(nsnet), close(nsmnt), close(rootfd);
    if (nsuser >= 0)
        close(nsuser);
    struct sigaction sa = {.sa_handler = forward};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            return 1;
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        signal(sig, SIG_DFL);
        kill(getpid(), sig);
        return 128 + sig;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
