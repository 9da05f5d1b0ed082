package doctext

// Message keys of the problems Convert reports. The web layer shows them
// with its catalogue (suggested texts: ja / en):
//
//	doctext.unsupported  この形式のファイルは取り込めません（Markdown・テキスト・Word(.docx)のみ）。
//	                     This kind of file cannot be imported (Markdown, text or Word .docx only).
//	doctext.encoding     文字コードを判別できません。UTF-8 か Shift_JIS で保存してください。
//	                     The text is neither UTF-8 nor Shift_JIS; save it in one of them.
//	doctext.broken_docx  Word 文書（.docx）が壊れているか、読み取れない形式です。
//	                     The Word document (.docx) is damaged or cannot be read.
//	doctext.too_large    ファイルが大きすぎます（展開後 %d MB まで）。
//	                     The file is too large (at most %d MB unpacked).
const (
	KeyUnsupported = "doctext.unsupported"
	KeyEncoding    = "doctext.encoding"
	KeyBrokenDocx  = "doctext.broken_docx"
	KeyTooLarge    = "doctext.too_large"
)

// Error is a problem with an uploaded file that the person who uploaded
// it can fix: a message key (above) with its arguments, and the cause for
// the log. errors.Is matches it against the Err… values by key, so
// errors.Is(err, ErrTooLarge) holds for any too-large error, and errors.As
// gives the key and arguments for the message.
type Error struct {
	Key  string
	Args []any
	err  error
}

func (e *Error) Error() string {
	if e.err != nil {
		return e.Key + ": " + e.err.Error()
	}
	return e.Key
}

// Unwrap returns the cause (a zip or XML error, say), if any.
func (e *Error) Unwrap() error { return e.err }

// Is reports whether target is an *Error with the same key.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Key == e.Key
}

// The problems Convert reports, for errors.Is.
var (
	// ErrUnsupported: not Markdown, text or .docx (a PDF, an old .doc, an
	// image, a zip that is not a Word document, a binary file named .txt).
	ErrUnsupported error = &Error{Key: KeyUnsupported}
	// ErrEncoding: text that is neither UTF-8 (with or without BOM),
	// UTF-16 with a BOM, nor Shift_JIS (CP932).
	ErrEncoding error = &Error{Key: KeyEncoding}
	// ErrBrokenDocx: a .docx whose zip or XML cannot be read.
	ErrBrokenDocx error = &Error{Key: KeyBrokenDocx}
	// ErrTooLarge: more than MaxInput bytes, or a .docx that unpacks to
	// more than MaxUnpacked or holds more than MaxEntries files. Args[0] is
	// the limit in MB.
	ErrTooLarge error = &Error{Key: KeyTooLarge}
)

func problem(key string, cause error, args ...any) error {
	return &Error{Key: key, Args: args, err: cause}
}
