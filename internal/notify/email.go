package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// Mailer sends email through one SMTP server: plain text, or text with an
// HTML alternative and attachments (Email).
type Mailer struct {
	addr, host  string
	implicitTLS bool
	user, pass  string
	from        *mail.Address
	// TLSConfig is used for STARTTLS and implicit TLS; nil verifies the
	// server's certificate against the system roots.
	TLSConfig *tls.Config
	// Timeout bounds one whole send when the context has no deadline.
	Timeout time.Duration
}

// NewMailer returns a mailer for an SMTP URL, smtp://user:pass@host:587
// (STARTTLS when the server offers it; credentials are only sent over TLS
// or to localhost) or smtps://user:pass@host:465 (TLS from the start), and
// a From address such as "Ferry <ferry@example.org>".
func NewMailer(rawURL, from string) (*Mailer, error) {
	u, err := ParseSMTPURL(rawURL)
	if err != nil {
		return nil, err
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: the mail sender %q is not an email address: %w", from, err)
	}
	m := &Mailer{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: addr, Timeout: 30 * time.Second}
	port := u.Port()
	if port == "" {
		port = "587"
		if m.implicitTLS {
			port = "465"
		}
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	return m, nil
}

// ParseSMTPURL checks an SMTP URL (smtp:// or smtps://, with a host).
func ParseSMTPURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("notify: the SMTP URL must look like smtp://user:password@host:587 or smtps://user:password@host:465")
	}
	return u, nil
}

// From returns the sender's address.
func (m *Mailer) From() string { return m.from.Address }

// Email is one message. Text is always sent; with HTML the two are
// multipart/alternative (text first, as RFC 2046 orders them), and with
// attachments both sit in a multipart/mixed message before them.
type Email struct {
	Subject, Text, HTML string
	Attachments         []Attachment
}

// Attachment is a file sent with an email.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// Send sends one plain-text message to one recipient. 5xx answers are
// permanent failures; anything else may be retried.
func (m *Mailer) Send(ctx context.Context, to, subject, text string) error {
	return m.SendEmail(ctx, to, Email{Subject: subject, Text: text})
}

// SendEmail sends one message to one recipient, as Send does.
func (m *Mailer) SendEmail(ctx context.Context, to string, e Email) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return permanent("%q is not an email address", to)
	}
	if _, ok := ctx.Deadline(); !ok && m.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.Timeout)
		defer cancel()
	}
	msg, err := m.message(rcpt, e)
	if err != nil {
		return permanent("compose: %v", err)
	}
	return classifySMTP(m.send(ctx, rcpt.Address, msg))
}

func (m *Mailer) tlsConfig() *tls.Config {
	if m.TLSConfig != nil {
		return m.TLSConfig.Clone()
	}
	return &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}
}

func (m *Mailer) send(ctx context.Context, rcpt string, msg []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if m.implicitTLS {
		conn = tls.Client(conn, m.tlsConfig())
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(helloName(m.from.Address)); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !m.implicitTLS {
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return err
		}
	}
	if m.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return permanent("the SMTP server %s offers no authentication, but the SMTP URL has credentials", m.addr)
		}
		if err := c.Auth(smtp.PlainAuth("", m.user, m.pass, m.host)); err != nil {
			return err
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// helloName is the sender's domain, which servers prefer to "localhost".
func helloName(from string) string {
	if _, domain, ok := strings.Cut(from, "@"); ok && domain != "" {
		return domain
	}
	return "localhost"
}

func (m *Mailer) message(to *mail.Address, e Email) ([]byte, error) {
	var id [12]byte
	_, _ = rand.Read(id[:])
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", m.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", strings.ReplaceAll(e.Subject, "\n", " ")))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+helloName(m.from.Address)+">")
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	if e.HTML == "" && len(e.Attachments) == 0 {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, e.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	// The text, and the HTML beside it.
	var alt bytes.Buffer
	aw := multipart.NewWriter(&alt)
	for _, p := range []struct{ typ, body string }{{"text/plain", e.Text}, {"text/html", e.HTML}} {
		if p.body == "" && p.typ == "text/html" {
			continue
		}
		w, err := aw.CreatePart(textproto.MIMEHeader{"Content-Type": {p.typ + "; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	altType := "multipart/alternative; boundary=" + aw.Boundary()
	if len(e.Attachments) == 0 {
		header("Content-Type", altType)
		b.WriteString("\r\n")
		b.Write(alt.Bytes())
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {altType}})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(alt.Bytes()); err != nil {
		return nil, err
	}
	for _, a := range e.Attachments {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", mime.FormatMediaType(a.ContentType, map[string]string{"name": a.Name}))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
		h.Set("Content-Transfer-Encoding", "base64")
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(a.Data)
		for len(enc) > 76 {
			if _, err := io.WriteString(w, enc[:76]+"\r\n"); err != nil {
				return nil, err
			}
			enc = enc[76:]
		}
		if _, err := io.WriteString(w, enc+"\r\n"); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeQP writes text quoted-printable with CRLF line ends.
func writeQP(w io.Writer, text string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return err
	}
	return qp.Close()
}

// classifySMTP makes 5xx replies permanent and everything else temporary.
func classifySMTP(err error) error {
	if err == nil {
		return nil
	}
	var ne *Error
	if errors.As(err, &ne) {
		return err
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return permanent("smtp: %v", err)
	}
	return temporary("smtp: %v", err)
}
