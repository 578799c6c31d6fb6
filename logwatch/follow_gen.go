package logwatch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
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
type sibling struct {
	path     string
	alt      string // the same generation gzipped, when both exist (compression under way)
	suffix   string // the rotation suffix without ".gz": "1", "20261123-101500"
	dev, ino uint64
	size     int64 // on disk (compressed for .gz)
	mtime    time.Time

	head    []byte // the first headLen bytes of the content (decompressed)
	headErr error
	headOK  bool
}

// open opens the sibling's content. When the file went (compressed
// meanwhile: gzip removes the plain file once the .gz is complete), it
// opens the .gz instead and takes on its name and identity.
func (s *sibling) open() (io.ReadCloser, error) {
	r, fi, err := openContent(s.path)
	if err != nil && errors.Is(err, os.ErrNotExist) && !strings.HasSuffix(s.path, ".gz") {
		alt := s.alt
		if alt == "" {
			alt = s.path + ".gz"
		}
		if r, fi, err = openContent(alt); err == nil {
			s.path, s.alt = alt, ""
		}
	}
	if err != nil {
		return nil, err
	}
	s.dev, s.ino = fileID(fi)
	return r, nil
}

// readHead loads the first headLen bytes of the sibling's content.
func (s *sibling) readHead() ([]byte, error) {
	if s.headOK || s.headErr != nil {
		return s.head, s.headErr
	}
	r, err := s.open()
	if err != nil {
		s.headErr = err
		return nil, err
	}
	defer r.Close()
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

// listSiblings returns the rotated generations of path, oldest first. A
// plain file and its .gz (compression under way) are one generation.
//
// Order: numbered suffixes (maillog.1 newest) by number, descending; dated
// ones (maillog-20261123, maillog.20261123-101500) lexically; a mix of both
// by modification time. Names, not times, decide where they can, because
// compressors do not all keep the modification time.
//
// A directory read while files are renamed or compressed may miss an entry
// (POSIX: a file added or removed meanwhile may or may not be listed, so a
// plain file removed once its .gz is written can escape both ways): the
// directory is read until two reads in a row agree.
func listSiblings(path string) ([]*sibling, error) {
	prev, err := listSiblingsOnce(path)
	for range 5 {
		if err != nil {
			return nil, err
		}
		var sibs []*sibling
		sibs, err = listSiblingsOnce(path)
		if err == nil && sameListing(prev, sibs) {
			return sibs, nil
		}
		prev = sibs
	}
	return prev, err
}

func sameListing(a, b []*sibling) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].path != b[i].path || a[i].alt != b[i].alt || a[i].ino != b[i].ino {
			return false
		}
	}
	return true
}

func listSiblingsOnce(path string) ([]*sibling, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	bySuffix := map[string]*sibling{}
	var out []*sibling
	for _, e := range entries {
		name := e.Name()
		suffix, ok := rotationSuffix(base, name)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		p := filepath.Join(dir, name)
		gz := strings.HasSuffix(name, ".gz")
		if s := bySuffix[suffix]; s != nil {
			// Both maillog.1 and maillog.1.gz: read the plain one, fall
			// back to the .gz if the plain one goes.
			if gz {
				s.alt = p
			} else {
				s.alt = s.path
				s.path, s.size, s.mtime = p, fi.Size(), fi.ModTime()
				s.dev, s.ino = fileID(fi)
			}
			continue
		}
		s := &sibling{path: p, suffix: suffix, size: fi.Size(), mtime: fi.ModTime()}
		s.dev, s.ino = fileID(fi)
		bySuffix[suffix] = s
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
