package classify

import (
	"fmt"
	"strings"
)

// Role says who we are with respect to the listed sending address, which
// decides who files a removal request. The configuration (role:), explain
// (--role) and the notices share these values.
type Role string

const (
	// RoleDedicated: our own server and address; we file removals.
	RoleDedicated Role = "dedicated"
	// RoleOperator: we run a shared address (a hosting company): we file
	// removals ourselves, after finding and stopping the customer whose
	// mail caused the listing.
	RoleOperator Role = "operator"
	// RoleCustomer: we send from someone else's shared address (a customer
	// of a hosting company): we ask them, and never file ourselves.
	RoleCustomer Role = "customer"
)

// Roles lists every role, the default first.
var Roles = []Role{RoleDedicated, RoleOperator, RoleCustomer}

// ErrRole is returned by ParseRole.
var ErrRole = fmt.Errorf("classify: unknown role (want %s, %s or %s)", RoleDedicated, RoleOperator, RoleCustomer)

// ParseRole returns the role named s; "" is the default, RoleDedicated.
func ParseRole(s string) (Role, error) {
	if s == "" {
		return RoleDedicated, nil
	}
	for _, r := range Roles {
		if Role(s) == r {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrRole, s)
}

// roleTexts are the words of each role, per language: a note that says who
// files the removal, and steps. A customer's steps replace the provider's
// (which tell the owner of the address how to get it removed); an
// operator's come before them.
var roleTexts = map[Role]map[string]struct {
	note string
	// noForm replaces note for a provider that takes no removal request
	// (catalog self_service: false: docomo, SpamCop, …), where "you file
	// the removal yourself" would contradict the provider's own advice.
	noForm string
	// contact replaces note for a provider whose removal is asked for by
	// contacting it (catalog removal: contact: Fasthosts, Telstra, …);
	// {provider} is the provider's name.
	contact string
	steps   []string
}{
	RoleOperator: {
		"en": {
			note:    "This is one of the shared sending addresses you operate: you file the removal yourself, but first find and stop the customer whose mail caused the listing — a removal filed while the cause remains is undone at the next spam run.",
			noForm:  "This is one of the shared sending addresses you operate: first find and stop the customer whose mail caused this — while the cause remains, the block stays or comes back.",
			contact: "This is one of the shared sending addresses you operate: {provider} has no removal form — you ask {provider} for the removal yourself by contacting them, as the steps and pages below say, but first find and stop the customer whose mail caused the listing; a removal asked for while the cause remains is undone at the next spam run.",
			steps: []string{
				"Find the customer behind the listing: the sender addresses and SMTP AUTH logins of the refused mail and of the queue (mailq) show who is sending. Look for a compromised account, a hacked web form or a script.",
				"Stop the abuse first (suspend the account or the form, remove its mail from the queue with postsuper -d) and tell the customer.",
			},
		},
		"ja": {
			note:    "この送信元は、ご自身で運用している共用の送信用アドレスです。解除申請はご自身で行いますが、その前に、登録の原因となった利用者を特定して送信を止めてください。原因が残ったまま申請しても、次の迷惑メール送信で再び登録されます。",
			noForm:  "この送信元は、ご自身で運用している共用の送信用アドレスです。まず、原因となった利用者を特定して送信を止めてください。原因が残っている限り、ブロックは続くか、解除されても再び登録されます。",
			contact: "この送信元は、ご自身で運用している共用の送信用アドレスです。{provider} には解除申請フォームがなく、解除は {provider} への連絡で依頼します（連絡先は下記の手順・ページのとおりです）。その前に、登録の原因となった利用者を特定して送信を止めてください。原因が残ったまま依頼しても、次の迷惑メール送信で再び登録されます。",
			steps: []string{
				"登録の原因となった利用者を特定してください。拒否されたメールやキュー（mailq）に残っているメールの差出人アドレスと SMTP 認証ユーザーから、どのアカウントが送信しているかがわかります。アカウントの乗っ取りや、改ざんされた Web フォーム・スクリプトがないか確認してください。",
				"先に不正な送信を止めてください（アカウントやフォームの停止、postsuper -d によるキューからの削除など）。該当する利用者にも連絡してください。",
			},
		},
	},
	RoleCustomer: {
		"en": {
			note:    "You send from your hosting company's shared address: do not file a removal request yourself. The hosting company runs the address and has the removal done.",
			contact: "You send from your hosting company's shared address: do not contact {provider} yourself. Removal is asked for by contacting {provider}, and the hosting company, which runs the address, is the one to do it: ask them.",
			steps: []string{
				"Do not file a removal request yourself: the address belongs to your hosting company, and a request from you may be refused or undone, since other customers send from it too.",
				"Forward this to your hosting company's support and ask them to deal with the listing; it names the listed address, the list, the refusal and its time.",
				"Meanwhile check your own side: a leaked mail password, a web form or script that sends spam, a mailing list with many addresses that no longer exist. If you find one, fix it and tell the hosting company.",
			},
		},
		"ja": {
			note:    "この送信元は、ご契約のホスティング事業者が管理する共用の送信用アドレスです。解除申請はご自身では行わず、ホスティング事業者に対応をご依頼ください。",
			contact: "この送信元は、ご契約のホスティング事業者が管理する共用の送信用アドレスです。解除は {provider} への連絡で依頼するものですが、ご自身では連絡せず、アドレスを管理しているホスティング事業者に {provider} への解除の依頼をお願いしてください。",
			steps: []string{
				"解除申請はご自身では行わないでください。このアドレスはホスティング事業者が管理しており、ほかの利用者も送信に使っているため、お客様からの申請は受け付けられないか、受け付けられても再び登録されることがあります。",
				"この内容をホスティング事業者のサポート窓口に転送し、対応を依頼してください。登録されたアドレス、リスト名、拒否の内容と日時が記載されています。",
				"あわせて、お客様側に原因がないか確認してください（メールアカウントのパスワード漏えい、迷惑メールを送信している Web フォームやスクリプト、存在しないアドレスを多く含む配信リストなど）。原因が見つかった場合は対処したうえで、ホスティング事業者にお知らせください。",
			},
		},
	},
}

// Note returns the sentence that says who files the removal for this role,
// in lang ("en" or "ja"); "" for a dedicated server.
func (r Role) Note(lang string) string {
	return roleTexts[r][langOf(lang)].note
}

// NoteFor is Note for a provider named provider whose listings end as
// kind says: one that takes no removal request (RemovalNone: docomo,
// SpamCop, …) gets the role's words without a removal to file, one whose
// removal is asked for by contacting it (RemovalContact: Fasthosts,
// Telstra, …) the role's words for that, where the role has such words.
// The unknown provider passes RemovalForm: nothing is known of it.
func (r Role) NoteFor(lang string, kind RemovalKind, provider string) string {
	t := roleTexts[r][langOf(lang)]
	switch {
	case kind == RemovalNone && t.noForm != "":
		return t.noForm
	case kind == RemovalContact && t.contact != "":
		return strings.ReplaceAll(t.contact, "{provider}", provider)
	}
	return t.note
}

// RoleSteps returns the steps to take about a listing for role r: a
// customer's own steps instead of base (the provider's, written for the
// owner of the address), an operator's steps followed by base, or base.
func RoleSteps(r Role, lang string, base []string) []string {
	t := roleTexts[r][langOf(lang)]
	switch r {
	case RoleCustomer:
		return append([]string(nil), t.steps...)
	case RoleOperator:
		return append(append([]string(nil), t.steps...), base...)
	}
	return base
}

func langOf(lang string) string {
	if lang == "ja" {
		return "ja"
	}
	return "en"
}
