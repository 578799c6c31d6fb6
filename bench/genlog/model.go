package main

import (
	"fmt"
	"strings"
)

// provider is a receiving mail service: how its MX hosts are named and
// what it answers. The reply texts are genuine ones (shared/corpus), with
// {ip} standing for the sending IP and {rcpt} for the recipient.
type provider int

const (
	pGmail provider = iota
	pOutlook
	pM365
	pYahoo
	pGMX
	pOrange
	pComcast
	pProofpoint
	pBarracuda
	pMimecast
	pTrend
	pSelf // the recipient domain runs its own MTA (Postfix with zen.spamhaus.org)
	numProviders
)

// domain is one recipient domain.
type domain struct {
	name   string
	prov   provider
	mx     []string // "host[ip]"
	zen    bool     // pSelf: rejects Spamhaus-listed clients
	atRCPT bool     // pSelf with zen: rejects at RCPT (else at the greeting)
	grey   bool     // pSelf: greylists new senders
	greyOK [4]bool  // … and has let this sending IP through
	down   [2]int64 // a window (µs) in which its MX hosts time out; zero when none
}

// incident is a listing of one sending IP by one provider for a time window.
type incident struct {
	kind     incidentKind
	ip       int
	from, to int64 // µs
	rate     float64
}

type incidentKind int

const (
	incSpamhaus incidentKind = iota
	incMicrosoftBlock
	incMicrosoftRate
	incYahoo
	incGmailRate
	incGmailBlock
	incBarracuda
	incProofpoint
	incTrend
	incCloudmark
	incMimecast
	numIncidents
)

// outcome is the result of one delivery attempt of one recipient.
type outcome struct {
	status  string // sent, deferred, bounced
	dsn     string
	detail  string // the text inside the parentheses
	relay   string // "host[ip]:25" or "none"
	suspend bool   // the failure throttles the destination (connection or greeting level)
	conn    bool   // a new connection was made (connection setup delay)
	noTLS   bool   // … but it ended before STARTTLS (no TLS line)
}

var bigDomains = []struct {
	name   string
	prov   provider
	weight int
}{
	{"gmail.com", pGmail, 260}, {"googlemail.com", pGmail, 8},
	{"outlook.com", pOutlook, 60}, {"hotmail.com", pOutlook, 70}, {"live.com", pOutlook, 20}, {"msn.com", pOutlook, 6},
	{"yahoo.com", pYahoo, 60}, {"aol.com", pYahoo, 18}, {"ymail.com", pYahoo, 4},
	{"gmx.de", pGMX, 14}, {"web.de", pGMX, 14}, {"gmx.net", pGMX, 6},
	{"orange.fr", pOrange, 14}, {"wanadoo.fr", pOrange, 4},
	{"comcast.net", pComcast, 14},
}

var words = []string{"north", "wind", "blue", "river", "stone", "acme", "global", "tech", "green", "field", "summit",
	"harbor", "pixel", "cedar", "lumen", "orbit", "atlas", "nova", "prime", "delta", "metro", "vista", "quant", "terra"}

// buildDomains returns the recipient domains: the big providers and n
// smaller (company) domains spread over the filtering services.
func (g *gen) buildDomains(n int) {
	for _, b := range bigDomains {
		d := &domain{name: b.name, prov: b.prov}
		d.mx = providerMX(b.prov, b.name, g)
		for i := 0; i < b.weight; i++ {
			g.rcptDomains = append(g.rcptDomains, d)
		}
	}
	tlds := []string{"example", "test", "example.com", "example.net", "example.org"}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s%s%d.%s", words[g.r.IntN(len(words))], words[g.r.IntN(len(words))], i, tlds[g.r.IntN(len(tlds))])
		var prov provider
		switch x := g.r.IntN(100); {
		case x < 30:
			prov = pM365
		case x < 38:
			prov = pProofpoint
		case x < 44:
			prov = pBarracuda
		case x < 49:
			prov = pMimecast
		case x < 53:
			prov = pTrend
		default:
			prov = pSelf
		}
		d := &domain{name: name, prov: prov}
		d.mx = providerMX(prov, name, g)
		if prov == pSelf {
			d.zen = g.r.IntN(10) < 7
			d.atRCPT = g.r.IntN(2) == 0
			d.grey = g.r.IntN(10) < 1
			switch x := g.r.IntN(1000); {
			case x < 30: // an outage of a few hours
				from := g.r.Int64N(g.span)
				d.down = [2]int64{from, from + (1+g.r.Int64N(3))*hour}
			case x < 33: // gone for the day: its mail expires
				from := g.r.Int64N(4 * hour)
				d.down = [2]int64{from, from + 20*hour}
			}
		}
		// Company domains get 40 % of the recipients between them.
		g.rcptDomains = append(g.rcptDomains, d)
		if g.r.IntN(3) == 0 {
			g.rcptDomains = append(g.rcptDomains, d, d)
		}
	}
}

// providerMX returns the MX hosts ("name[ip]") of a domain at a provider.
func providerMX(p provider, dom string, g *gen) []string {
	dash := strings.ReplaceAll(dom, ".", "-")
	octet := func() int { return 1 + g.r.IntN(250) }
	switch p {
	case pGmail:
		return []string{
			fmt.Sprintf("gmail-smtp-in.l.google.com[142.250.%d.26]", 96+g.r.IntN(60)),
			fmt.Sprintf("alt1.gmail-smtp-in.l.google.com[142.250.%d.27]", 96+g.r.IntN(60)),
		}
	case pOutlook:
		return []string{fmt.Sprintf("%s.olc.protection.outlook.com[52.101.%d.%d]", dash, 40+g.r.IntN(30), octet())}
	case pM365:
		return []string{fmt.Sprintf("%s.mail.protection.outlook.com[52.101.%d.%d]", dash, 40+g.r.IntN(30), octet())}
	case pYahoo:
		if strings.HasPrefix(dom, "aol") {
			return []string{fmt.Sprintf("mx-aol.mail.gm0.yahoodns.net[67.195.204.%d]", 70+g.r.IntN(10))}
		}
		return []string{fmt.Sprintf("mta%d.am0.yahoodns.net[67.195.204.%d]", 5+g.r.IntN(3), 70+g.r.IntN(10))}
	case pGMX:
		if dom == "web.de" {
			return []string{fmt.Sprintf("mx-ha03.web.de[212.227.17.%d]", 8+g.r.IntN(4))}
		}
		return []string{fmt.Sprintf("mx00.emig.gmx.net[212.227.15.%d]", 8+g.r.IntN(4))}
	case pOrange:
		return []string{fmt.Sprintf("smtp-in.orange.fr[80.12.242.%d]", 10+g.r.IntN(10))}
	case pComcast:
		return []string{fmt.Sprintf("mx1a1.comcast.net[96.102.18.%d]", 140+g.r.IntN(10))}
	case pProofpoint:
		return []string{
			fmt.Sprintf("mx0a-%08x.pphosted.com[148.163.%d.%d]", g.r.Uint32(), 150+g.r.IntN(10), octet()),
			fmt.Sprintf("mx0b-%08x.pphosted.com[148.163.%d.%d]", g.r.Uint32(), 150+g.r.IntN(10), octet()),
		}
	case pBarracuda:
		return []string{fmt.Sprintf("d%06d%c.ess.barracudanetworks.com[209.222.82.%d]", g.r.IntN(999999), 'a'+rune(g.r.IntN(2)), octet())}
	case pMimecast:
		return []string{fmt.Sprintf("eu-smtp-inbound-%d.mimecast.com[91.220.42.%d]", 1+g.r.IntN(2), octet())}
	case pTrend:
		return []string{fmt.Sprintf("%s.in.tmes.trendmicro.com[18.208.22.%d]", dash, octet())}
	}
	ip := fmt.Sprintf("%s.%d", []string{"198.51.100", "203.0.113"}[g.r.IntN(2)], octet())
	name := "mx." + dom
	if g.r.IntN(2) == 0 {
		name = "mail." + dom
	}
	return []string{name + "[" + ip + "]"}
}

// okText is what a provider answers to the end of DATA when it accepts.
func (g *gen) okText(p provider, m *message) string {
	switch p {
	case pGmail:
		return fmt.Sprintf("250 2.0.0 OK  %d %s - gsmtp", g.unix(), g.gsmtpID())
	case pOutlook, pM365:
		return fmt.Sprintf("250 2.6.0 <%s> [InternalId=%d, Hostname=%s] %d bytes in %s, %s KB/sec Queued mail for delivery",
			m.msgid, 1e13+g.r.Int64N(9e13), g.eopHost(), m.size+600, fmtDelay(0.02+g.r.Float64()*0.3), fmtKB(float64(m.size)/1024/(0.05+g.r.Float64())))
	case pYahoo:
		return "250 ok dirdel"
	case pGMX:
		return fmt.Sprintf("250 Requested mail action okay, completed: id=%s", g.token(20))
	case pOrange:
		return fmt.Sprintf("250 2.0.0 %s mail accepted for delivery", g.token(12))
	case pComcast:
		return fmt.Sprintf("250 2.0.0 %s mail accepted for delivery", g.token(16))
	case pProofpoint:
		return fmt.Sprintf("250 2.0.0 3%s-1 Message accepted for delivery", g.token(9))
	case pBarracuda:
		return fmt.Sprintf("250 Ok: queued as %s", g.token(12))
	case pMimecast:
		return fmt.Sprintf("250 %s-%s.%s Message accepted", g.token(8), g.token(6), "eu130")
	case pTrend:
		return fmt.Sprintf("250 2.0.0 Ok: queued as 4%s", g.token(11))
	}
	return fmt.Sprintf("250 2.0.0 Ok: queued as %X", g.r.Uint64()>>24)
}

// Reply texts of listings (genuine texts from the corpus).
const (
	txtSpamhaus      = "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}"
	txtS3150         = "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [{eop}]"
	txt5_7_606       = "550 5.7.606 Access denied, banned sending IP [{ip}]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 (AS16012609) [{eop}]"
	txtS3113         = "451 4.7.650 The mail server [{ip}] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S3113) [{eop}]"
	txtYahoo         = "421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"
	txtGmailRate     = "421-4.7.0 [{ip}      15] Our system has detected an unusual rate of 421-4.7.0 unsolicited mail originating from your IP address. To protect our 421-4.7.0 users from spam, mail sent from your IP address has been temporarily 421-4.7.0 rate limited. Please visit 421-4.7.0  https://support.google.com/mail/?p=UnsolicitedRateLimitError to 421 4.7.0 review our Bulk Email Senders Guidelines. {gsmtp} - gsmtp"
	txtGmailBlock    = "550-5.7.1 [{ip}      12] Our system has detected that this message is 550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail, 550-5.7.1 this message has been blocked. Please visit 550-5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError 550 5.7.1  for more information. {gsmtp} - gsmtp"
	txtBarracuda     = "554 Service unavailable; Client host [{ip}] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip={ip}"
	txtProofpoint    = "554 Blocked - see https://ipcheck.proofpoint.com/?ip={ip}"
	txtTrend         = "450 4.7.1 Mail from {ip} deferred using Trend Micro Email Reputation database. Please see https://www.mail-abuse.com/cgi-bin/lookup?ip_address={ip}"
	txtOrange        = "550 mwinf5c{n} ME Adresse IP source bloquee pour incident de spam. Client host blocked for spamming issues. OFR006_102 Ref http://csi.cloudmark.com/reset-request/?ip={ip} [102]"
	txtComcast       = "554 resimta-po-{n}v.sys.comcast.net resimta-po-{n}v.sys.comcast.net {ip} found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010"
	txtMimecast      = "550 csi.mimecast.org Poor Reputation Sender. - https://community.mimecast.com/docs/DOC-1369#550 [{mc}.eu130]"
	txtUnknownSelf   = "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"
	txtUnknownGmail  = "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. Learn more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser {gsmtp} - gsmtp"
	txtUnknownMS     = "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [{eop}]"
	txtUnknownYahoo  = "554 delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0] - mta1234.mail.gq1.yahoo.com"
	txtUnknownOther  = "550 5.1.1 <{rcpt}> recipient rejected"
	txtFullGmail     = "452-4.2.2 The recipient's inbox is out of storage space. Please direct the 452-4.2.2 recipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp {gsmtp} - gsmtp"
	txtFullSelf      = "552 5.2.2 <{rcpt}> Quota exceeded (mailbox for user is full)"
	txtGreylist      = "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{domain}.html"
	txtAuthFail      = "UGFzc3dvcmQ6"
	txtRelayDenied   = "454 4.7.1 <{rcpt}>: Relay access denied"
	txtNoqueueZen    = "554 5.7.1 Service unavailable; Client host [{client}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{client}"
	txtPostscreenZen = "550 5.7.1 Service unavailable; client [{client}] blocked using zen.spamhaus.org"
)

// fill replaces the {placeholders} of a reply text.
func (g *gen) fill(t string, ip, rcpt, dom string) string {
	if !strings.Contains(t, "{") {
		return t
	}
	r := strings.NewReplacer("{ip}", ip, "{rcpt}", rcpt, "{domain}", dom, "{eop}", g.eopHost(),
		"{gsmtp}", g.gsmtpID(), "{n}", fmt.Sprint(10+g.r.IntN(80)), "{mc}", g.token(22))
	return r.Replace(t)
}

func (g *gen) eopHost() string {
	regions := []string{"EUR01", "EUR02", "EUR03", "NAM02", "NAM11", "APC01"}
	reg := regions[g.r.IntN(len(regions))]
	letters := string([]byte{byte('A' + g.r.IntN(26)), byte('A' + g.r.IntN(26))})
	return fmt.Sprintf("%s%d%sFT%03d.eop-%s.prod.protection.outlook.com", letters, g.r.IntN(9), reg, g.r.IntN(100), strings.ToLower(reg))
}

func (g *gen) gsmtpID() string {
	return fmt.Sprintf("%s%d-%s", g.tokenLower(13), 20020+g.r.IntN(100), g.tokenLower(8))
}

const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *gen) token(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = tokenChars[g.r.IntN(len(tokenChars))]
	}
	return string(b)
}

func (g *gen) tokenLower(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdef0123456789"[g.r.IntN(16)]
	}
	return string(b)
}

// fmtDelay formats seconds as Postfix does: 10 ms resolution, two
// significant digits below 10 s, whole seconds above.
func fmtDelay(s float64) string {
	switch {
	case s < 0.01:
		return "0"
	case s >= 10:
		return fmt.Sprintf("%.0f", s)
	case s >= 1:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", s), ".0")
	}
	v := strings.TrimRight(fmt.Sprintf("%.2f", s), "0")
	return strings.TrimSuffix(v, ".")
}

func fmtKB(v float64) string { return fmt.Sprintf("%.3f", v) }
