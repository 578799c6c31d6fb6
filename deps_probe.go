package rblwatch
import (
 _ "go.uber.org/zap"
 _ "github.com/nxadm/tail"
 _ "github.com/miekg/dns"
 _ "github.com/emersion/go-smtp"
 _ "github.com/emersion/go-milter"
 _ "modernc.org/sqlite"
 _ "go.yaml.in/yaml/v3"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "golang.org/x/term"
)

import (
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "go.uber.org/zap/zaptest"
	_ "github.com/emersion/go-message/mail"
	_ "golang.org/x/text/width"
)
