// Package smtptest is a minimal SMTP server for tests: it accepts every
// message (no TLS, no authentication) and records it, except to the
// recipients it is told to refuse.
package smtptest

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Subject returns the message's decoded Subject header.
func (m Message) Subject() string {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		return ""
	}
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return msg.Header.Get("Subject")
	}
	return s
}

// Body returns the message's decoded text (quoted-printable or not): the
// whole body of a single-part message, the first text/plain part of a
// multipart one.
func (m Message) Body() string {
	for _, p := range m.Parts() {
		if strings.HasPrefix(p.ContentType, "text/plain") {
			return strings.ReplaceAll(string(p.Data), "\r\n", "\n")
		}
	}
	return ""
}

// Part is one leaf of a message's MIME tree.
type Part struct {
	// Path is the media types from the top down to this part, joined by
	// " > ": "multipart/mixed > multipart/alternative > text/html".
	Path        string
	ContentType string // the part's Content-Type header, parameters included
	FileName    string // from Content-Disposition, for attachments
	Data        []byte // decoded (quoted-printable, base64)
}

// Parts returns the message's leaves in order; a malformed structure
// ends the list early with a part whose Path is "error" and Data the
// reason.
func (m Message) Parts() []Part {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		return []Part{{Path: "error", Data: []byte(err.Error())}}
	}
	var out []Part
	walk(textproto.MIMEHeader(msg.Header), msg.Body, "", &out)
	return out
}

func walk(h textproto.MIMEHeader, body io.Reader, path string, out *[]Part) {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		*out = append(*out, Part{Path: "error", Data: []byte(err.Error())})
		return
	}
	if path != "" {
		path += " > "
	}
	path += mt
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				*out = append(*out, Part{Path: "error", Data: []byte(err.Error())})
				return
			}
			walk(p.Header, p, path, out)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		*out = append(*out, Part{Path: "error", Data: []byte(err.Error())})
		return
	}
	p := Part{Path: path, ContentType: ct, Data: data}
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		p.FileName = dp["filename"]
	}
	*out = append(*out, p)
}

// Server is a running test SMTP server.
type Server struct {
	ln     net.Listener
	mu     sync.Mutex
	msgs   []Message
	refuse map[string]string // recipient (lower case) → the reply to RCPT
}

// Refuse makes the server answer RCPT for addr with reply, such as
// "550 5.1.1 No such mailbox".
func (s *Server) Refuse(addr, reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse == nil {
		s.refuse = map[string]string{}
	}
	s.refuse[strings.ToLower(addr)] = reply
}

// New starts a server on a free local port, stopped when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	s := &Server{ln: ln}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

// URL is the server's smtp:// URL.
func (s *Server) URL() string { return "smtp://" + s.ln.Addr().String() }

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To returns the messages sent to one address.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	reply := func(line string) { _ = tp.PrintfLine("%s", line) }
	reply("220 smtptest ESMTP")
	var cur Message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-smtptest")
			reply("250 8BITMIME")
		case "HELO", "NOOP":
			reply("250 OK")
		case "RSET":
			cur = Message{}
			reply("250 OK")
		case "MAIL":
			cur = Message{From: address(arg)}
			reply("250 OK")
		case "RCPT":
			s.mu.Lock()
			refusal, refused := s.refuse[strings.ToLower(address(arg))]
			s.mu.Unlock()
			if refused {
				reply(refusal)
				continue
			}
			cur.To = append(cur.To, address(arg))
			reply("250 OK")
		case "DATA":
			reply("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = data
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = Message{}
			reply("250 OK queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// address takes the address out of "FROM:<a@b>" or "TO:<a@b>".
func address(arg string) string {
	_, v, _ := strings.Cut(arg, ":")
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ' '); i >= 0 {
		v = v[:i]
	}
	return strings.Trim(v, "<>")
}
