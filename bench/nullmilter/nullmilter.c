/*
 * nullmilter: the cheapest milter that does what rblwatch's does on the
 * wire, for bench/milter's "null" mode: what any such milter costs Postfix.
 *
 *   nullmilter inet:127.0.0.1:PORT | unix:/PATH
 *
 * One thread, one epoll loop, no allocation per connection beyond a fixed
 * buffer: it answers the negotiation as rblwatch does (protocol version 6,
 * add-header and macro lists, no body, no end-of-headers, DATA or unknown
 * events, no reply to the connection, HELO, MAIL, RCPT and headers, the
 * same macro lists), ignores every event, answers the end of a message
 * with a header of rblwatch's length and "continue" in one write, and
 * closes at QUIT. It keeps no facts. Built with cc by bench/milter.sh.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BUFSZ 65536 /* larger packets close the connection: enough for the bench */
#define MAXCONN 4096

struct conn {
	int fd;
	int open;
	size_t r, w;
	unsigned char *buf; /* allocated once per descriptor number, reused */
};

static struct conn conns[MAXCONN];

static uint32_t be32(const unsigned char *p) {
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned char *put32(unsigned char *p, uint32_t v) {
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
	return p + 4;
}

static void drop(struct conn *c) {
	/* close removes the descriptor from the epoll set */
	close(c->fd);
	c->open = 0;
}

static int writeall(int fd, const unsigned char *b, size_t n) {
	while (n > 0) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1; /* replies are small: a full socket is an error here */
		b += k, n -= k;
	}
	return 0;
}

/* packets answers the whole packets in c's buffer; -1: close. */
static int packets(struct conn *c) {
	static const char lists[] = "\0\0\0\2i {auth_type} {auth_authen}\0\0\0\0\5i";
	unsigned char out[256], *o = out;
	while (c->w - c->r >= 4) {
		uint32_t n = be32(c->buf + c->r);
		if (n == 0 || n > BUFSZ - 4)
			return -1;
		if (c->w - c->r < 4 + n)
			break;
		unsigned char *p = c->buf + c->r + 4;
		c->r += 4 + n;
		switch (p[0]) {
		case 'O': {
			uint32_t proto = 0x10 | 0x40 | 0x200 | 0x100 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x80;
			if (n < 13)
				return -1;
			uint32_t len = 1 + 12 + sizeof lists;
			o = put32(o, len);
			*o++ = 'O';
			o = put32(o, 6);
			o = put32(o, 0x101 & be32(p + 5));
			o = put32(o, proto & be32(p + 9));
			memcpy(o, lists, sizeof lists);
			o += sizeof lists;
			break;
		}
		case 'E': {
			static const char h[] = "X-Rblwatch-Track\0" "ABCDEF12345-0123abcd";
			o = put32(o, 1 + sizeof h);
			*o++ = 'h';
			memcpy(o, h, sizeof h);
			o += sizeof h;
			o = put32(o, 1);
			*o++ = 'c';
			break;
		}
		case 'Q':
			return -1;
		case 'N': case 'B': case 'T': case 'U': /* not negotiated: answer anyway */
			o = put32(o, 1);
			*o++ = 'c';
			break;
		default: /* D, C, H, M, R, L, A, K: no answer */
			break;
		}
	}
	if (c->r == c->w)
		c->r = c->w = 0;
	else if (c->r > 0) {
		memmove(c->buf, c->buf + c->r, c->w - c->r);
		c->w -= c->r, c->r = 0;
	}
	if (o > out && writeall(c->fd, out, o - out) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: nullmilter inet:HOST:PORT|unix:/PATH\n");
		return 2;
	}
	int ln;
	if (strncmp(argv[1], "unix:", 5) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		strncpy(sun.sun_path, argv[1] + 5, sizeof sun.sun_path - 1);
		unlink(sun.sun_path);
		ln = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (ln < 0 || bind(ln, (struct sockaddr *)&sun, sizeof sun) < 0) {
			perror("nullmilter: bind");
			return 1;
		}
	} else if (strncmp(argv[1], "inet:", 5) == 0) {
		char host[256];
		snprintf(host, sizeof host, "%s", argv[1] + 5);
		char *colon = strrchr(host, ':');
		if (!colon)
			return 2;
		*colon = 0;
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
		inet_pton(AF_INET, host, &sin.sin_addr);
		int one = 1;
		ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ln < 0 || bind(ln, (struct sockaddr *)&sin, sizeof sin) < 0) {
			perror("nullmilter: bind");
			return 1;
		}
	} else {
		return 2;
	}
	if (listen(ln, 1024) < 0) {
		perror("nullmilter: listen");
		return 1;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = -1};
	epoll_ctl(ep, EPOLL_CTL_ADD, ln, &ev);
	struct epoll_event evs[64];
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == -1) {
				int fd;
				while ((fd = accept4(ln, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					if (fd >= MAXCONN) {
						close(fd);
						continue;
					}
					struct conn *c = &conns[fd];
					if (!c->buf)
						c->buf = malloc(BUFSZ);
					c->fd = fd, c->open = 1, c->r = c->w = 0;
					struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
				}
				continue;
			}
			struct conn *c = &conns[evs[i].data.fd];
			if (!c->open)
				continue;
			ssize_t k = read(c->fd, c->buf + c->w, BUFSZ - c->w);
			if (k < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (k <= 0) {
				drop(c);
				continue;
			}
			c->w += k;
			if (packets(c) < 0)
				drop(c);
		}
	}
}
