package evidence

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"
	"unicode"
)

// Scanner runs the administrator's scan command (for example
// "clamdscan --no-summary -") on every file before it is accepted: the
// file is streamed to the command's standard input; exit status 0 accepts
// it, 1 refuses it (*ScanRefusal), anything else — including a command
// that cannot be started or runs past Timeout — is an error, and the file
// is not accepted either.
type Scanner struct {
	Args    []string // the command and its arguments
	Timeout time.Duration
}

// NewScanner splits a command line into a Scanner: words separated by
// spaces, with single or double quotes around words that contain spaces.
// An empty command line returns nil (no scanning).
func NewScanner(commandLine string) (*Scanner, error) {
	args, err := splitCommand(commandLine)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, nil
	}
	return &Scanner{Args: args, Timeout: 2 * time.Minute}, nil
}

// String is the command line, for the log at start.
func (s *Scanner) String() string { return strings.Join(s.Args, " ") }

func splitCommand(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("scan command %q: unbalanced quote", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// ScanRefusal is the scan command's refusal of a file (exit status 1).
type ScanRefusal struct {
	Output string // the first line the command wrote, for the trail
}

func (r *ScanRefusal) Error() string { return "scan command refused the file: " + r.Output }

// Scan runs the command on the content read from r.
func (s *Scanner) Scan(ctx context.Context, r io.Reader) error {
	if s == nil || len(s.Args) == 0 {
		return nil
	}
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, s.Args[0], s.Args[1:]...)
	cmd.Stdin = r
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{b: &out, n: 4096}
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && ctx.Err() == nil {
		return &ScanRefusal{Output: firstLine(out.String())}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("scan command %s did not finish: %w", s.Args[0], ctx.Err())
	}
	return fmt.Errorf("scan command %s failed (%s): %w", s.Args[0], firstLine(out.String()), err)
}

func firstLine(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			if len(l) > 300 {
				l = strings.ToValidUTF8(l[:300], "")
			}
			return l
		}
	}
	return ""
}

// limitedBuffer keeps the first n bytes written and discards the rest.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

type scannerKey struct{}

// WithScanner returns a context under which Store runs s on every file.
// The application's wiring puts the configured scanner into every
// request's context (Middleware), so every upload — of any package — is
// scanned.
func WithScanner(ctx context.Context, s *Scanner) context.Context {
	if s == nil {
		return ctx
	}
	return context.WithValue(ctx, scannerKey{}, s)
}

// ScannerFrom returns the scanner of the context, or nil.
func ScannerFrom(ctx context.Context) *Scanner {
	s, _ := ctx.Value(scannerKey{}).(*Scanner)
	return s
}

// Middleware puts s into every request's context; with a nil s it
// returns next unchanged.
func Middleware(s *Scanner, next http.Handler) http.Handler {
	if s == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithScanner(r.Context(), s)))
	})
}
