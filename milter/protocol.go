package milter

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The part of the Sendmail milter protocol this milter speaks, as
// Sendmail's libmilter (mfdef.h) defines it and Postfix's milter8.c speaks
// it: every packet is a 4-byte big-endian length, a command or reply code
// and its data.
//
// rblwatch has its own protocol core instead of a milter library's server
// (github.com/emersion/go-milter, which the tests keep as the client that
// checks this one over the wire): Postfix opens a milter connection per
// SMTP session, so the milter's cost is per connection and per packet, and
// go-milter's server allocated per packet (a message, a map per macro
// packet, a 4 KiB write buffer per reply, a Modifier per event), wrote the
// end of a message's two replies in two system calls, copied every header
// into a map, and answered the negotiation with protocol version 2 whatever
// the MTA offered. The subset here is small: the negotiation with macro
// lists, the connection, HELO, MAIL, RCPT and header events (answered only
// when the MTA did not agree to skip the answer), abort, and the end of
// the message, answered with one added header and "continue".

// Command codes (SMFIC_*), MTA to milter.
const (
	cmdAbort   = 'A' // SMFIC_ABORT: forget the message, keep the connection
	cmdBody    = 'B' // SMFIC_BODY: a body chunk
	cmdConnect = 'C' // SMFIC_CONNECT: host name, family, port, address
	cmdMacro   = 'D' // SMFIC_MACRO: stage, then name/value pairs
	cmdEOB     = 'E' // SMFIC_BODYEOB: the end of the message
	cmdHelo    = 'H' // SMFIC_HELO
	cmdQuitNC  = 'K' // SMFIC_QUIT_NC: quit, a new connection follows on this one
	cmdHeader  = 'L' // SMFIC_HEADER: name, value
	cmdMail    = 'M' // SMFIC_MAIL: sender, ESMTP arguments
	cmdEOH     = 'N' // SMFIC_EOH: the end of the headers
	cmdOptneg  = 'O' // SMFIC_OPTNEG: version, actions, protocol flags
	cmdQuit    = 'Q' // SMFIC_QUIT
	cmdRcpt    = 'R' // SMFIC_RCPT: recipient, ESMTP arguments
	cmdData    = 'T' // SMFIC_DATA
	cmdUnknown = 'U' // SMFIC_UNKNOWN: an SMTP command the MTA does not know
)

// Reply codes (SMFIR_*), milter to MTA.
const (
	replyAddHeader = 'h' // SMFIR_ADDHEADER: name, value
	replyContinue  = 'c' // SMFIR_CONTINUE (at the end of a message: accept it)
)

// Actions the milter may take (SMFIF_*), as negotiated.
const (
	ActAddHeaders uint32 = 0x001 // SMFIF_ADDHDRS
	ActSetSymList uint32 = 0x100 // SMFIF_SETSYMLIST: the milter names the macros it wants
)

// Protocol flags (SMFIP_*): events the MTA leaves out, or sends without
// waiting for an answer.
const (
	NoBody          uint32 = 0x000010 // SMFIP_NOBODY
	NoEOH           uint32 = 0x000040 // SMFIP_NOEOH
	NoHeaderReply   uint32 = 0x000080 // SMFIP_NR_HDR
	NoUnknown       uint32 = 0x000100 // SMFIP_NOUNKNOWN
	NoData          uint32 = 0x000200 // SMFIP_NODATA
	NoConnectReply  uint32 = 0x001000 // SMFIP_NR_CONN
	NoHeloReply     uint32 = 0x002000 // SMFIP_NR_HELO
	NoMailReply     uint32 = 0x004000 // SMFIP_NR_MAIL
	NoRcptReply     uint32 = 0x008000 // SMFIP_NR_RCPT
	NoDataReply     uint32 = 0x010000 // SMFIP_NR_DATA
	NoUnknownReply  uint32 = 0x020000 // SMFIP_NR_UNKN
	NoEOHReply      uint32 = 0x040000 // SMFIP_NR_EOH
	NoBodyReply     uint32 = 0x080000 // SMFIP_NR_BODY
	maxProtocolFlag uint32 = 0x100000
)

// Version is the highest milter protocol version the milter speaks; it
// answers the negotiation with the MTA's version when that is lower (2 at
// least). Postfix offers 6 (milter_protocol).
const Version = 6

// Actions are the actions the milter asks for: adding a header, and
// naming its macros (SymList). Nothing else: it never changes or refuses
// mail.
const Actions = ActAddHeaders | ActSetSymList

// Protocol is what the milter asks of the MTA when they negotiate: no
// body, no end-of-headers, DATA or unknown-command events, and no reply
// awaited for the connection, HELO, MAIL, RCPT and each header. Postfix
// then writes all of a message's events into its buffer and waits for the
// milter only once, at the end of the message, where the header is added:
// one round trip per message (and one per connection, the negotiation)
// instead of one per event. The milter asks only for the flags the MTA
// offers, and answers the events whose reply the MTA did not agree to
// skip.
const Protocol = NoBody | NoEOH | NoData | NoUnknown |
	NoConnectReply | NoHeloReply | NoMailReply | NoRcptReply | NoHeaderReply

// Macro stages (SMFIM_*) of the negotiation's macro lists.
const (
	StageConnect uint32 = 0 // SMFIM_CONNECT: with the connection
	StageHelo    uint32 = 1 // SMFIM_HELO: with HELO/EHLO
	StageMail    uint32 = 2 // SMFIM_ENVFROM: with MAIL FROM
	StageRcpt    uint32 = 3 // SMFIM_ENVRCPT: with each RCPT TO
	StageData    uint32 = 4 // SMFIM_DATA: with DATA
	StageEOM     uint32 = 5 // SMFIM_EOM: with the end of the message
	StageEOH     uint32 = 6 // SMFIM_EOH: with the end of the headers
)

// MacroList is the macros the milter wants at one stage, separated by
// spaces.
type MacroList struct {
	Stage  uint32
	Macros string
}

// SymList is the macros the milter asks for, whatever Postfix's
// milter_*_macros say: the SASL login and mechanism and the queue id at
// MAIL FROM (Postfix has the queue id there for mail submitted with
// sendmail, and the SASL login for SMTP AUTH), and the queue id at the
// end of the message (for SMTP, Postfix creates the queue file after the
// first accepted RCPT).
//
// Every other stage asks for the queue id alone, which is all the milter
// reads there: Postfix sends a stage's macros even for an event it leaves
// out, and a stage the milter names no list for (or an empty one) gets
// Postfix's milter_*_macros — by default the connection's five (j,
// {daemon_name}, {daemon_addr}, v, _), HELO's five TLS macros, and for
// every recipient {rcpt_addr}, {rcpt_host} and {rcpt_mailer}, which smtpd
// evaluates, encodes and writes and the milter parses to throw away
// (Postfix's milter.c, MILTER_MACRO_EVAL). The client's name, address and
// port come with the connection event, the HELO name with HELO.
var SymList = []MacroList{
	{StageConnect, "i"},
	{StageHelo, "i"},
	{StageMail, "i {auth_type} {auth_authen}"},
	{StageRcpt, "i"},
	{StageData, "i"},
	{StageEOH, "i"},
	{StageEOM, "i"},
}

// maxPacket bounds a packet's length (its code and data), as go-milter and
// libmilter do: Postfix's packets are a header line (header_size_limit,
// 100 KiB by default) or a body chunk (64 KiB) at most.
const maxPacket = 1 << 20

// errProtocol: the MTA (or whoever connected) broke the protocol; the
// connection is closed.
var errProtocol = errors.New("milter protocol error")

// negotiation is the outcome of SMFIC_OPTNEG.
type negotiation struct {
	version  uint32
	actions  uint32
	protocol uint32
}

// negotiate reads the MTA's offer (version, actions, protocol flags) and
// returns what the milter takes of it: the lower version, and of Actions
// and Protocol the flags the MTA offers.
func negotiate(data []byte) (negotiation, error) {
	if len(data) < 12 {
		return negotiation{}, fmt.Errorf("%w: negotiation of %d bytes", errProtocol, len(data))
	}
	v := binary.BigEndian.Uint32(data)
	if v < 2 {
		return negotiation{}, fmt.Errorf("%w: the MTA speaks milter protocol version %d", errProtocol, v)
	}
	return negotiation{
		version:  min(v, Version),
		actions:  Actions & binary.BigEndian.Uint32(data[4:]),
		protocol: Protocol & binary.BigEndian.Uint32(data[8:]),
	}, nil
}

// appendReply appends the answer to the negotiation: version, actions,
// protocol flags, and the macro lists when the MTA takes them.
func (n negotiation) appendReply(b []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, cmdOptneg)
	b = binary.BigEndian.AppendUint32(b, n.version)
	b = binary.BigEndian.AppendUint32(b, n.actions)
	b = binary.BigEndian.AppendUint32(b, n.protocol)
	if n.actions&ActSetSymList != 0 {
		for _, l := range SymList {
			b = binary.BigEndian.AppendUint32(b, l.Stage)
			b = append(b, l.Macros...)
			b = append(b, 0)
		}
	}
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

// appendPacket appends a reply packet of code and NUL-terminated strings.
func appendPacket(b []byte, code byte, strs ...string) []byte {
	n := 1
	for _, s := range strs {
		n += len(s) + 1
	}
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, code)
	for _, s := range strs {
		b = append(b, s...)
		b = append(b, 0)
	}
	return b
}

// cstring splits a NUL-terminated string off data: the string (without
// its NUL; all of data when there is none) and what follows.
func cstring(data []byte) (s, rest []byte) {
	for i, c := range data {
		if c == 0 {
			return data[:i], data[i+1:]
		}
	}
	return data, nil
}

// macros are the values of one macro packet that the collector reads; ""
// when the packet did not have them. Postfix sends a stage's macros in a
// packet just before the stage's event.
type macros struct {
	queueID    string // i
	authType   string // {auth_type}
	authAuthen string // {auth_authen}
	clientAddr string // {client_addr}
	clientName string // {client_name}
	clientPort string // {client_port}
}

// parse reads a macro packet's name/value pairs (after its stage byte)
// into m, keeping the ones the collector reads. A name comes with or
// without braces ("{auth_type}", "i", "{i}").
func (m *macros) parse(data []byte) {
	*m = macros{}
	for len(data) > 0 {
		var name, value []byte
		name, data = cstring(data)
		value, data = cstring(data)
		if len(name) > 2 && name[0] == '{' && name[len(name)-1] == '}' {
			name = name[1 : len(name)-1]
		}
		switch string(name) {
		case "i":
			m.queueID = string(value)
		case "auth_type":
			m.authType = string(value)
		case "auth_authen":
			m.authAuthen = string(value)
		case "client_addr":
			m.clientAddr = string(value)
		case "client_name":
			m.clientName = string(value)
		case "client_port":
			m.clientPort = string(value)
		}
	}
}
