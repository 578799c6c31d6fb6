package logwatch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// headLen is how much of a file's start identifies it (Position.Fingerprint):
// a log's first kilobyte holds a dozen timestamped lines, which no other
// generation of the log repeats.
const headLen = 1024

// fingerprint is the hex SHA-256 of head, the first min(headLen, offset)
// bytes of a file.
func fingerprint(head []byte) string {
	sum := sha256.Sum256(head)
	return hex.EncodeToString(sum[:])
}

// sibling is a rotated generation of the followed log, found in its
// directory: maillog.1, maillog.2.gz, maillog-20261123,
// maillog.20261123-101500.gz, ...
//
// A generation is a file, not a name: the sibling holds its file open from
// the listing on and reads only through it. Rotations rename the files
// while the follower reads (maillog.1 becomes maillog.2, and maillog.1 then
// names the next newer generation), and gzip removes the plain file once
// its .gz is written; the open file is the same generation after both.
// Reading by name again would read another generation under the one
// listed (lines read twice, lines lost), and would take that one for the
// generation listed when telling known files from missed ones.
type sibling struct {
	path     string   // its name when listed
	alt      string   // the same generation gzipped, when both exist (compression under way)
	suffix   string   // the rotation suffix without ".gz": "1", "20261123-101500"
	f        *os.File // the generation, open since the listing (nil: only looked at)
	dev, ino uint64   // f's
	size     int64    // on disk (compressed for .gz)
	mtime    time.Time

	head    []byte // the first headLen bytes of the content (decompressed)
	headErr error
	headOK  bool
}

// openSibling opens the rotated generation at path.
func openSibling(path string) (*sibling, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	s := &sibling{path: path, f: f, size: fi.Size(), mtime: fi.ModTime()}
	s.dev, s.ino = fileID(fi)
	return s, nil
}

// lookSibling describes the rotated generation at path without opening it,
// for a quick look: names can name other files by the time they are read.
func lookSibling(path string) (*sibling, error) {
	fi, err := os.Lstat(path)
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		return nil, fmt.Errorf("looking at %s: %w", path, err)
	}
	s := &sibling{path: path, size: fi.Size(), mtime: fi.ModTime()}
	s.dev, s.ino = fileID(fi)
	return s, nil
}

// errNotRegular is what opening a sibling that is no regular file returns.
var errNotRegular = errors.New("logwatch: not a regular file")

func (s *sibling) close() {
	if s != nil && s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// closeSiblings closes the siblings of a listing.
func closeSiblings(sibs []*sibling) {
	for _, s := range sibs {
		s.close()
	}
}

// plain reports whether the generation is not gzip (the first two bytes
// decide).
func (s *sibling) plain() (bool, error) {
	var magic [2]byte
	n, err := s.f.ReadAt(magic[:], 0)
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("reading %s: %w", s.path, err)
	}
	return string(magic[:n]) != gzipMagic, nil
}

// content returns a reader of the generation's content from its start,
// decompressed when it is gzip (the first two bytes decide), and whether it
// is plain (then it is an io.Seeker, and size is its size). headOnly: only
// the first headLen bytes will be read (a small read buffer will do).
func (s *sibling) content(headOnly bool) (r io.Reader, plain bool, size int64, err error) {
	fi, err := s.f.Stat()
	if err != nil {
		return nil, false, 0, fmt.Errorf("reading %s: %w", s.path, err)
	}
	plain, err = s.plain()
	if err != nil {
		return nil, false, 0, err
	}
	// To the end of the file, even if it grew since the Stat (a writer
	// that has not reopened yet).
	sr := io.NewSectionReader(s.f, 0, math.MaxInt64)
	if plain {
		return sr, true, fi.Size(), nil
	}
	var zr io.Reader = sr
	if headOnly {
		zr = bufio.NewReaderSize(sr, 4*headLen)
	}
	z, err := newGzipReader(s.path, zr)
	if err != nil {
		return nil, false, 0, err
	}
	return z, false, 0, nil
}

// readHead loads the first headLen bytes of the sibling's content.
func (s *sibling) readHead() ([]byte, error) {
	if s.headOK || s.headErr != nil {
		return s.head, s.headErr
	}
	r, _, _, err := s.content(true)
	if err != nil {
		s.headErr = err
		return nil, err
	}
	buf := make([]byte, headLen)
	n, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	s.head, s.headErr, s.headOK = buf[:n], err, err == nil
	return s.head, s.headErr
}

// sameStart reports whether two heads come from the same content: one is a
// prefix of the other, and they are not empty (a file read at two sizes
// below headLen has two heads, the shorter a prefix of the longer).
func sameStart(a, b []byte) bool {
	n := min(len(a), len(b))
	return n > 0 && bytes.Equal(a[:n], b[:n])
}

// rotationSuffix returns the rotation suffix of name for the log base
// ("maillog"): base, then '.', '-' or '_', then digits and the separators
// '.', '-', '_' of dates and times, optionally ending in ".gz".
func rotationSuffix(base, name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, base)
	if !ok || len(rest) < 2 || !strings.ContainsRune(".-_", rune(rest[0])) {
		return "", false
	}
	rest = strings.TrimSuffix(rest[1:], ".gz")
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return "", false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '_' {
			return "", false
		}
	}
	return rest, true
}

// listSiblings returns the rotated generations of path, oldest first, each
// open (close them with closeSiblings). A plain file and its .gz
// (compression under way) are one generation.
//
// Order: numbered suffixes (maillog.1 newest) by number, descending; dated
// ones (maillog-20261123, maillog.20261123-101500) lexically; a mix of both
// by modification time. Names, not times, decide where they can, because
// compressors do not all keep the modification time.
//
// A directory read while files are renamed or compressed may miss an entry
// (POSIX: a file added or removed meanwhile may or may not be listed, so a
// plain file removed once its .gz is written can escape both ways), and a
// name read may name another file by the time it is opened: the directory
// is read, and its files opened, until two reads in a row agree.
func listSiblings(path string) ([]*sibling, error) {
	prev, err := listSiblingsOnce(path, openSibling)
	if err != nil {
		return nil, err
	}
	for range 5 {
		sibs, err := listSiblingsOnce(path, openSibling)
		if err != nil {
			closeSiblings(prev)
			return nil, err
		}
		agree := sameListing(prev, sibs)
		closeSiblings(prev)
		prev = sibs
		if agree {
			break
		}
	}
	return prev, nil
}

func sameListing(a, b []*sibling) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].path != b[i].path || a[i].alt != b[i].alt || a[i].dev != b[i].dev || a[i].ino != b[i].ino {
			return false
		}
	}
	return true
}

// listSiblingsOnce reads the directory once; get is openSibling, or
// lookSibling for a quick look.
func listSiblingsOnce(path string, get func(string) (*sibling, error)) ([]*sibling, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	// The file the log's name stands for now is no rotated generation of
	// it, whatever its own name: a log whose name is a link to the day's
	// file (maillog -> maillog-20261123) finds that file among its siblings.
	var curDev, curIno uint64
	if fi, err := os.Stat(path); err == nil {
		curDev, curIno = fileID(fi)
	}
	// The names of each generation: plain, gzipped or both.
	type names struct{ plain, gz string }
	bySuffix := map[string]*names{}
	var suffixes []string
	for _, e := range entries {
		name := e.Name()
		suffix, ok := rotationSuffix(base, name)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		n := bySuffix[suffix]
		if n == nil {
			n = &names{}
			bySuffix[suffix] = n
			suffixes = append(suffixes, suffix)
		}
		if strings.HasSuffix(name, ".gz") {
			n.gz = filepath.Join(dir, name)
		} else {
			n.plain = filepath.Join(dir, name)
		}
	}
	var out []*sibling
	for _, suffix := range suffixes {
		n := bySuffix[suffix]
		var s *sibling
		if n.plain != "" {
			// Read the plain one when both are there: the .gz may be
			// incomplete, and the open plain file stays readable once
			// gzip has removed it.
			if s, err = get(n.plain); err != nil && errors.Is(err, os.ErrNotExist) {
				// Compressed meanwhile.
				gz := n.gz
				if gz == "" {
					gz = n.plain + ".gz"
				}
				n.gz = ""
				s, err = get(gz)
			}
			if s != nil {
				s.alt = n.gz
			}
		} else {
			s, err = get(n.gz)
		}
		if err != nil {
			continue // removed meanwhile
		}
		if curIno != 0 && s.dev == curDev && s.ino == curIno {
			s.close()
			continue
		}
		s.suffix = suffix
		out = append(out, s)
	}
	sortSiblings(out)
	return out, nil
}

// numbered reports whether a rotation suffix is a generation number (as
// logrotate's default "maillog.1") rather than a date.
func numbered(suffix string) (int, bool) {
	if len(suffix) >= 8 {
		return 0, false
	}
	n, err := strconv.Atoi(suffix)
	return n, err == nil
}

func sortSiblings(sibs []*sibling) {
	allNum, allDated := true, true
	for _, s := range sibs {
		if _, ok := numbered(s.suffix); ok {
			allDated = false
		} else {
			allNum = false
		}
	}
	slices.SortStableFunc(sibs, func(a, b *sibling) int {
		switch {
		case allNum:
			na, _ := numbered(a.suffix)
			nb, _ := numbered(b.suffix)
			return nb - na
		case allDated:
			return strings.Compare(a.suffix, b.suffix)
		}
		if c := a.mtime.Compare(b.mtime); c != 0 {
			return c
		}
		return strings.Compare(a.suffix, b.suffix)
	})
}

// genRef is what identifies a place in a generation of the log: a Position,
// or the state of the generation just read.
type genRef struct {
	dev, ino uint64
	off      int64
	head     []byte // the first min(headLen, off) bytes, when known
	fp       string // fingerprint of those bytes; "" when unknown
	done     bool   // the generation was read to its end already
}

// matches reports whether a file with identity (dev, ino) and content head
// is the generation ref points into. An inode alone is not enough (inodes
// are reused, and copytruncate keeps the inode while replacing the
// content): the head must match too when ref knows it.
func (ref *genRef) matchesHead(head []byte) bool {
	n := int(min(int64(headLen), ref.off))
	if len(head) < n {
		return false
	}
	if ref.head != nil {
		return bytes.Equal(ref.head[:n], head[:n])
	}
	if ref.fp == "" {
		return true
	}
	return fingerprint(head[:n]) == ref.fp
}

// locate finds the generation ref points into among the siblings: first by
// device and inode (a renamed file), then by content (a compressed or
// copied file). It returns -1 when none matches.
func locate(ref *genRef, sibs []*sibling) int {
	if ref.ino != 0 {
		for i, s := range sibs {
			if s.dev != ref.dev || s.ino != ref.ino {
				continue
			}
			if h, err := s.readHead(); err == nil && ref.matchesHead(h) {
				return i
			}
		}
	}
	if ref.off == 0 || (ref.head == nil && ref.fp == "") {
		return -1 // nothing to recognise the content by
	}
	for i, s := range sibs {
		if h, err := s.readHead(); err == nil && ref.matchesHead(h) {
			return i
		}
	}
	return -1
}
