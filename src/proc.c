/* proc.c - see proc.h. The child gets its own process group, default
 * signal dispositions and mask, and no descriptor but 0, 1 and 2, so a
 * timeout can kill everything it started. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
child(const struct proc_spec *sp, int in, int out, int err)
{
	struct sigaction sa;
	sigset_t none;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	/* descriptors not marked close-on-exec (sockets of libraries) */
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	if (sp->cwd && chdir(sp->cwd) < 0)
		_exit(126);
	if (sp->prog)
		execve(sp->prog, sp->argv, sp->envp ? sp->envp : environ);
	else
		execvp(sp->argv[0], sp->argv);
	_exit(127);
}

static void
take(struct sbuf *b, const char *p, size_t n, size_t cap)
{
	if (b->len >= cap)
		return;
	sbuf_add(b, p, n > cap - b->len ? cap - b->len : n);
}

int
proc_run(const struct proc_spec *sp, struct sbuf *out, struct sbuf *err,
    int *status)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int64_t end = sh_now_mono_ms() + sp->timeout_ms;
	int killed = 0, timedout = 0;
	size_t off = 0;
	char buf[8192];
	pid_t pid;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
	    pipe2(perr, O_CLOEXEC) < 0) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			if (pin[i] >= 0)
				close(pin[i]);
			if (pout[i] >= 0)
				close(pout[i]);
			if (perr[i] >= 0)
				close(perr[i]);
		}
		errno = e;
		return -1;
	}
	pid = fork();
	if (pid == 0)
		child(sp, pin[0], pout[1], perr[1]);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (pid < 0) {
		int e = errno;
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		errno = e;
		return -1;
	}
	setpgid(pid, pid);
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	if (!sp->in || sp->inlen == 0) {
		close(pin[1]);
		pin[1] = -1;
	}
	struct pollfd fds[3] = {
		{ pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 }, { pin[1], POLLOUT, 0 },
	};
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		int64_t left = end - sh_now_mono_ms();
		if (left <= 0 || (sh_stop && !sp->ignore_stop)) {
			timedout = left <= 0;
			killed = 1;
			break;
		}
		int r = poll(fds, 3, (int)(left > 200 ? 200 : left));
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP |
			    POLLERR)))
				continue;
			ssize_t k = read(fds[i].fd, buf, sizeof buf);
			if (k > 0) {
				take(i ? err : out, buf, (size_t)k, i ? sp->err_cap :
				    sp->out_cap);
			} else if (k == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
			}
		}
		if (fds[2].fd >= 0 && fds[2].revents) {
			ssize_t k = write(fds[2].fd, sp->in + off, sp->inlen - off);
			if (k > 0)
				off += (size_t)k;
			if ((k < 0 && errno != EAGAIN && errno != EINTR) ||
			    off == sp->inlen) {
				close(fds[2].fd);
				fds[2].fd = -1;
			}
		}
	}
	if (killed) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (killed) {
		errno = timedout ? ETIMEDOUT : EINTR;
		return -1;
	}
	return 0;
}
