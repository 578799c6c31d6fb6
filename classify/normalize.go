package classify

// maxText bounds how much of a reply is looked at. Postfix cuts replies
// at about 2000 characters; anything longer is hostile or broken.
const maxText = 4096

// normalize appends to dst the reply text as rules see it: ASCII
// lower-cased; control characters and runs of white space collapsed to one
// space; the leading code and the "550-5.7.1 " continuation prefixes of a
// joined multi-line reply removed (code is the reply's basic code, 0 when
// it has none). At most maxText bytes of s are read.
func normalize(dst []byte, s string, code int) []byte {
	if len(s) > maxText {
		s = s[:maxText]
	}
	var cd [3]byte
	if code >= 200 && code <= 599 {
		cd = [3]byte{byte('0' + code/100), byte('0' + code/10%10), byte('0' + code%10)}
	}
	space := true // at the start, or after a space: a token begins
	i := 0
	for i < len(s) {
		c := s[i]
		if c <= ' ' || c == 0x7f {
			if !space {
				dst = append(dst, ' ')
				space = true
			}
			i++
			continue
		}
		if space && cd[0] != 0 && i+3 < len(s) && s[i] == cd[0] && s[i+1] == cd[1] && s[i+2] == cd[2] && (s[i+3] == '-' || s[i+3] == ' ') {
			// A code prefix: skip it and an enhanced code after it.
			j := i + 4
			if k := enhancedLike(s, j); k > j {
				j = k
			}
			i = j
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		space = false
		i++
	}
	for len(dst) > 0 && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
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
