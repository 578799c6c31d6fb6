package classify

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// maxText bounds how much of a reply is looked at. Postfix cuts replies
// at about 2000 characters; anything longer is hostile or broken.
const maxText = 4096

// normalize appends to dst the reply text as rules see it: letters
// folded (foldRune: lower case in every script, full-width Latin letters
// and digits as ASCII, half-width katakana as full-width); control characters and runs of white space collapsed to one
// space; the leading code and the "550-5.7.1 " continuation prefixes of a
// joined multi-line reply removed (code is the reply's basic code, 0 when
// it has none). At most maxText bytes of s are read.
//
// Replies pasted from web pages and raw bounce messages carry artefacts of
// their transport, undone here so that rules and addresses still match: the
// HTML entities &amp; &lt; &gt; &quot; &#39; &apos; &nbsp;, typographic
// quotes (’ ‘), no-break and other Unicode spaces, invisible characters
// (soft hyphens, zero-width characters), and quoted-printable soft line
// breaks ("=" at a line end) and "=3D".
func normalize(dst []byte, s string, code int) []byte {
	if len(s) > maxText {
		s = s[:maxText]
	}
	var cd [3]byte
	if code >= 200 && code <= 599 {
		cd = [3]byte{byte('0' + code/100), byte('0' + code/10%10), byte('0' + code%10)}
	}
	space := true // at the start, or after a space: a token begins
	start := len(dst)
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0xc2 {
			if n, blank := unicodeSpace(s, i); n > 0 {
				i += n
				if blank && !space {
					dst = append(dst, ' ')
					space = true
				}
				continue
			}
			if r, size := utf8.DecodeRuneInString(s[i:]); size > 1 {
				if f := foldRune(r, s[i:]); f != r {
					dst = foldAppend(dst, start, f)
					space = false
					i += size
					continue
				}
			}
		}
		if c <= ' ' || c == 0x7f {
			if !space {
				dst = append(dst, ' ')
				space = true
			}
			i++
			continue
		}
		if len(dst) == start && cd[0] != 0 && i+3 < len(s) && s[i] == cd[0] && s[i+1] == cd[1] && s[i+2] == cd[2] && isLetter(s[i+3]) {
			// A leading code glued to the text, as some pages print it
			// ("421HL:REP …"): skip the code alone.
			i += 3
			continue
		}
		if space && cd[0] != 0 && i+3 < len(s) && s[i] == cd[0] && s[i+1] == cd[1] && s[i+2] == cd[2] && (s[i+3] == '-' || s[i+3] == ' ' || s[i+3] == ':' && len(dst) == start) {
			// A code prefix: skip it and an enhanced code after it. A
			// leading code may end in a colon, as some MTAs write it
			// ("553: DSBL Open Relay", "550:5.7.1 …"; reply.Parse reads
			// the code so): the colon is no word of the reply (issue 14,
			// thirteenth round: a terse reply's words are counted).
			j := i + 4
			if s[i+3] == ':' {
				for j < len(s) && s[j] == ' ' {
					j++
				}
			}
			if k := enhancedLike(s, j); k > j {
				j = k
			}
			i = j
			continue
		}
		n := 1
		switch c {
		case '=':
			if k := softBreak(s, i); k > 0 {
				i += k
				continue
			}
			if i+2 < len(s) && s[i+1] == '3' && (s[i+2] == 'd' || s[i+2] == 'D') {
				n = 3
			}
		case '&':
			if d, k := entity(s[i:]); k > 0 {
				if d == ' ' { // &nbsp;
					i += k
					if !space {
						dst = append(dst, ' ')
						space = true
					}
					continue
				}
				c, n = d, k
			}
		case 0xe2:
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0x98 || s[i+2] == 0x99) {
				c, n = '\'', 3
			}
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		space = false
		i += n
	}
	for len(dst) > 0 && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// foldRune returns r, the rune at the start of s (not ASCII), as rules
// see it: the character of canonical width (golang.org/x/text/width:
// "ＳＰＡＭ" and "５５０" as ASCII, "ﾌﾞﾛｯｸ" as "ブロック"), in lower case
// (unicode.ToLower: "ОБРАТНАЯ", "É", "Ü"), and where a script's capitals
// are written otherwise: Greek without its accents and with one sigma
// ("ΛΙΣΤΑΣ" is "λίστας"), Turkish's dotted and dotless i as "i"
// ("YASAKLANDI", "yasaklandı", "İ"). One rune for one rune, in the one pass
// of normalize: x/text/cases.Fold would make "İ" two runes ("i̇"), "ß"
// two letters, and needs a pass of its own over the text.
func foldRune(r rune, s string) rune {
	if s[0] == 0xef { // U+F000–U+FFFF: the half-width and full-width forms
		p, _ := width.LookupString(s)
		if f := p.Folded(); f != 0 {
			r = f
		}
	}
	if r >= 0x3000 && r < 0xa000 {
		return r // CJK and kana: no case
	}
	r = unicode.ToLower(r)
	if r >= 0x0390 && r <= 0x03ce {
		if f := greekFold[r-0x0390]; f != 0 {
			return f
		}
	}
	if r == 0x0131 { // ı
		return 'i'
	}
	return r
}

// greekFold: Greek lower-case letters with an accent or a dialytika, and
// the final sigma, from U+0390, as their plain letter.
var greekFold = [0x03cf - 0x0390]rune{
	0x0390 - 0x0390: 'ι', // ΐ
	0x03ac - 0x0390: 'α', // ά
	0x03ad - 0x0390: 'ε', // έ
	0x03ae - 0x0390: 'η', // ή
	0x03af - 0x0390: 'ι', // ί
	0x03b0 - 0x0390: 'υ', // ΰ
	0x03c2 - 0x0390: 'σ', // ς
	0x03ca - 0x0390: 'ι', // ϊ
	0x03cb - 0x0390: 'υ', // ϋ
	0x03cc - 0x0390: 'ο', // ό
	0x03cd - 0x0390: 'υ', // ύ
	0x03ce - 0x0390: 'ω', // ώ
}

// foldAppend appends the folded rune f to dst (whose normalized text
// begins at start): an ASCII one in lower case, and a kana voicing mark (a
// half-width "ﾞ", "ﾟ" folds to the combining U+3099, U+309A) composed with
// the kana before it.
func foldAppend(dst []byte, start int, f rune) []byte {
	if f < utf8.RuneSelf {
		if f >= 'A' && f <= 'Z' {
			f += 'a' - 'A'
		}
		return append(dst, byte(f))
	}
	if f == 0x3099 || f == 0x309a {
		if p, n := utf8.DecodeLastRune(dst[start:]); n > 1 && p >= 0x3040 && p < 0x3100 {
			var b [8]byte
			k := utf8.EncodeRune(b[:], p)
			k += utf8.EncodeRune(b[k:], f)
			if c := norm.NFC.Bytes(b[:k]); utf8.RuneCount(c) == 1 {
				return append(dst[:len(dst)-n], c...)
			}
		}
	}
	return utf8.AppendRune(dst, f)
}

// unicodeSpace reports the length of a space or an invisible character at
// s[i:] that pages put into pasted text: no-break, typographic and
// ideographic spaces (blank: read as a space), and soft hyphens, zero-width
// characters, the word joiner and the byte order mark (dropped). 0 when
// there is none.
func unicodeSpace(s string, i int) (n int, blank bool) {
	switch c := s[i]; {
	case c == 0xc2 && i+1 < len(s):
		switch s[i+1] {
		case 0xa0: // U+00A0 no-break space
			return 2, true
		case 0xad: // U+00AD soft hyphen
			return 2, false
		}
	case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80:
		switch d := s[i+2]; {
		case d <= 0x8a, d == 0xaf: // U+2000–U+200A, U+202F
			return 3, true
		case d >= 0x8b && d <= 0x8d: // U+200B–U+200D zero width
			return 3, false
		}
	case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x81:
		switch s[i+2] {
		case 0x9f: // U+205F medium mathematical space
			return 3, true
		case 0xa0: // U+2060 word joiner
			return 3, false
		}
	case c == 0xe3 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x80: // U+3000 ideographic space
		return 3, true
	case c == 0xef && i+2 < len(s) && s[i+1] == 0xbb && s[i+2] == 0xbf: // U+FEFF
		return 3, false
	}
	return 0, false
}

// enhancedLike returns the index after an enhanced-code-like token at s[i:]
// ("5.7.1", "x.x.xx", masked ones too) followed by a space or the end, or i
// when there is none.
func enhancedLike(s string, i int) int {
	j := i
	dots := 0
	for j < len(s) && j-i < 10 {
		c := s[j]
		switch {
		case c >= '0' && c <= '9', c == 'x', c == 'X':
		case c == '.':
			dots++
		default:
			goto end
		}
		j++
	}
end:
	if dots != 2 || j == i || (j < len(s) && s[j] != ' ') {
		return i
	}
	if c := s[i]; c != '2' && c != '4' && c != '5' && c != 'x' && c != 'X' {
		return i
	}
	return j
}

// softBreak returns the length of a quoted-printable soft line break ("="
// then LF or CRLF) at s[i:], or 0.
func softBreak(s string, i int) int {
	switch {
	case i+1 < len(s) && s[i+1] == '\n':
		return 2
	case i+2 < len(s) && s[i+1] == '\r' && s[i+2] == '\n':
		return 3
	}
	return 0
}

// entity decodes the HTML entity at the start of s (the few that reply
// texts pasted from web pages carry), returning the character and the
// entity's length, or 0 when there is none.
func entity(s string) (byte, int) {
	for _, e := range [...]struct {
		name string
		c    byte
	}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}, {"&nbsp;", ' '}} {
		if len(s) >= len(e.name) && s[:len(e.name)] == e.name {
			return e.c, len(e.name)
		}
	}
	return 0, 0
}
