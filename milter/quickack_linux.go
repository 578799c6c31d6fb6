package milter

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// quickAck acknowledges at once what was read from a TCP socket, and
// leaves the delayed-ACK mode the kernel entered (tcp(7), TCP_QUICKACK;
// the setting is not permanent: the poller's serve makes it after each
// read no reply follows, rawIO after every read).
//
// With the no-reply flags (Protocol) the milter answers nothing between
// the envelope, which smtpd writes when it hands the message to cleanup,
// and the headers and end of the message, which cleanup writes a moment
// later on the same connection. Postfix leaves Nagle's algorithm on, so
// its kernel holds that second write until the first is acknowledged, and
// ours delays the ACK for up to 40 ms when it has no data to send with it:
// a 40 ms stall per message, which capped Postfix at about 400 messages/s
// with 20 SMTP sessions (bench/milter.sh, TCP; the null milter, which
// exchanges the same packets, hit the same cap; a unix socket has no
// Nagle and no cap).
func quickAck(fd uintptr) {
	one := int32(1)
	// x/sys/unix's number: the syscall package has no SYS_SETSOCKOPT on
	// linux/386, where it goes through socketcall.
	syscall.RawSyscall6(unix.SYS_SETSOCKOPT, fd, unix.IPPROTO_TCP, unix.TCP_QUICKACK,
		uintptr(unsafe.Pointer(&one)), unsafe.Sizeof(one), 0)
}
