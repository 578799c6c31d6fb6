package dnsbl

// Zone describes one DNS list: its name and the meaning of its answers. The
// provider catalog (package classify) holds these as data; this package only
// reads them.
type Zone struct {
	// Name is the zone queried, e.g. "zen.spamhaus.org". For Spamhaus DQS the
	// name may contain "{key}", replaced by Key before querying.
	Name string `yaml:"name" json:"name"`
	// Domain marks a domain-based list (Spamhaus DBL, SURBL, URIBL): the
	// query is <domain>.<zone> rather than a reversed IP.
	Domain bool `yaml:"domain,omitempty" json:"domain,omitempty"`
	// Codes gives the meaning of each A answer. An answer matching no code
	// is reported as listed with an empty meaning, unless it falls in an
	// Error range.
	Codes []Code `yaml:"codes,omitempty" json:"codes,omitempty"`
	// NeedsKey marks zones that only answer with a subscriber key (Abusix,
	// Spamhaus DQS); they are skipped when Key is empty.
	NeedsKey bool `yaml:"needs_key,omitempty" json:"needs_key,omitempty"`
	// Key is the subscriber key (from configuration, never from the catalog).
	Key string `yaml:"-" json:"-"`
	// IPv4Only marks an address list that lists no IPv6 address (its
	// operator says so): an IPv6 address is not listed there, said without
	// asking (Result.NoIPv6) rather than left to a test point the list
	// does not answer. Not for domain lists.
	IPv4Only bool `yaml:"ipv4_only,omitempty" json:"ipv4_only,omitempty"`
	// Disabled zones are skipped unless asked for by name.
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`
	// Note is shown beside results, e.g. "historical: shut down 2024".
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Code gives the meaning of one answer or range of answers.
type Code struct {
	// Answer is one address ("127.0.0.2"), an inclusive range
	// ("127.0.0.4-127.0.0.7") or a CIDR prefix ("127.255.255.0/24").
	Answer string `yaml:"answer" json:"answer"`
	// Meaning is a short human text: "SBL: direct spam source"; MeaningJa
	// is the same in Japanese.
	Meaning   string `yaml:"meaning" json:"meaning"`
	MeaningJa string `yaml:"meaning_ja,omitempty" json:"meaning_ja,omitempty"`
	// List names the provider's sub-list this answer means ("sbl",
	// "xbl", "pbl", "dbl", …), so that advice can be narrowed to it.
	List string `yaml:"list,omitempty" json:"list,omitempty"`
	// Status is what an answer in this range means for the queried name:
	// "listed" (default), "error" (the list refused the query: public
	// resolver, over quota, typo; never a listing) or "allowed" (a
	// whitelist answer, e.g. Hostkarma 127.0.0.1).
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
}
