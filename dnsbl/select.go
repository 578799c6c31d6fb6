package dnsbl

import "strings"

// Select picks the zones to check target against, and where each came
// from: index[i] is the position in zones of picked[i], or -1 for a named
// zone that zones does not hold.
//
// Without names, every enabled zone of the target's kind is picked (address
// lists for an IP, domain lists for a domain). With names, the named zones
// are picked in the order named, disabled ones included, those of the other
// kind left out; a name zones does not hold becomes a zone of the target's
// kind with no code table (default meanings). Zones are compared by name,
// ignoring case and a trailing dot, and each is picked once.
func Select(zones []Zone, names []string, target Target) (picked []Zone, index []int) {
	seen := map[string]bool{}
	add := func(z Zone, i int) {
		key := normZone(z.Name)
		if z.Domain == target.IsDomain() && !seen[key] {
			seen[key] = true
			picked, index = append(picked, z), append(index, i)
		}
	}
	if len(names) == 0 {
		for i, z := range zones {
			if !z.Disabled {
				add(z, i)
			}
		}
		return picked, index
	}
	for _, name := range names {
		found := false
		for i, z := range zones {
			if normZone(z.Name) == normZone(name) {
				add(z, i)
				found = true
			}
		}
		if !found {
			add(Zone{Name: strings.TrimSuffix(strings.TrimSpace(name), "."), Domain: target.IsDomain()}, -1)
		}
	}
	return picked, index
}

func normZone(name string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
}
