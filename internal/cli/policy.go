package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
	"mamori/internal/scope"
)

// maxImportFile bounds a document file read by policy import.
const maxImportFile = 20 << 20

func policyCmd(st *storage) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "import and export policy documents",
		Long: `Import and export policy documents (基本方針, 対策基準, 実施手順, …).

Both commands act as a person, named with --as LOGIN, with that person's
permissions: the command line reads the data folder directly, but
need-to-know still holds there. An import is a draft written by that
person (who must be allowed to edit documents); an export needs that
person to be allowed to read the document, so a restricted 実施手順 is
exported only for someone on its access list (or the CISO and 統括).
Both are recorded in the trail under that person's name.`,
	}
	cmd.AddCommand(policyImportCmd(st), policyExportCmd(st))
	return cmd
}

// openAs opens storage and the organisation, acting as the person with the
// login.
func (st *storage) openAs(ctx context.Context, what, login string) (*db.DB, scope.Scope, authz.Principal, error) {
	d, sc, err := st.openOrg(ctx, what)
	if err != nil {
		return nil, sc, authz.Principal{}, err
	}
	pid, err := org.PersonIDByLogin(ctx, d, sc, login)
	if err != nil {
		d.Close()
		return nil, sc, authz.Principal{}, explain(err)
	}
	person, err := org.GetPerson(ctx, d, sc, pid)
	if err == nil && !person.Active {
		err = fmt.Errorf("%s is disabled", login)
	}
	var p authz.Principal
	if err == nil {
		p, err = org.Principal(ctx, d, sc, pid)
	}
	if err != nil {
		d.Close()
		return nil, sc, authz.Principal{}, err
	}
	sc.ActorID, sc.ActorName = pid, person.Name+" (mamori "+what+")"
	return d, sc, p, nil
}

func policyImportCmd(st *storage) *cobra.Command {
	var typ, title, visibility, number, as string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "create a document whose first draft is FILE (Markdown, plain text or .docx); prints the new id",
		Long: `Create a document whose first draft (version 1) is the text of FILE:
Markdown (.md), plain text (.txt, numbered as the basic policy is) or Word
(.docx). Headings and numbered items become clauses. The draft then goes
through review, approval and publication like any other.

--as names the person who writes it (they need document.edit: the CISO
or 統括). The new document's id is the last line of stdout.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !policy.Type(typ).IsValid() {
				return fmt.Errorf("--type must be one of: %s", strings.Join(typeNames(), ", "))
			}
			data, err := readLimited(args[0], maxImportFile)
			if err != nil {
				return err
			}
			body, err := doctext.Convert(filepath.Base(args[0]), data)
			if errors.Is(err, doctext.ErrUnsupported) {
				return fmt.Errorf("%s: not a Markdown, plain text or .docx file", args[0])
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if title == "" {
				title = titleOf(body, args[0])
			}
			ctx := cmd.Context()
			d, sc, p, err := st.openAs(ctx, "policy import", as)
			if err != nil {
				return err
			}
			defer d.Close()
			in := policy.NewDocumentInput()
			in.Type, in.Title, in.Visibility, in.Number, in.Body = typ, title, visibility, number, body
			in.ChangeSummary = "imported from " + filepath.Base(args[0])
			var doc policy.Document
			var v policy.Version
			err = d.Transact(ctx, func(tx *db.Tx) (err error) {
				doc, v, err = policy.CreateDocument(ctx, tx, sc, p, in)
				return err
			})
			if errors.Is(err, authz.ErrForbidden) {
				return fmt.Errorf("%s may not create documents (document.edit: the CISO or 統括)", as)
			}
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s %q created as a draft (version 1, %d clauses, %s)\n",
				doc.Type, doc.Title, len(v.Clauses), doc.Visibility)
			fmt.Fprintln(cmd.OutOrStdout(), doc.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "document type: "+strings.Join(typeNames(), ", "))
	cmd.Flags().StringVar(&title, "title", "", "title (default: the file's first heading, or its name)")
	cmd.Flags().StringVar(&visibility, "visibility", "", "public, staff or restricted (default: public for the basic policy, restricted for a procedure, staff otherwise)")
	cmd.Flags().StringVar(&number, "number", "", "the organisation's document number, e.g. 規程第3号")
	cmd.Flags().StringVar(&as, "as", "", "login of the person who writes the draft")
	_ = cmd.MarkFlagRequired("type")
	_ = cmd.MarkFlagRequired("as")
	return cmd
}

func policyExportCmd(st *storage) *cobra.Command {
	var format, out, as string
	cmd := &cobra.Command{
		Use:   "export ID",
		Short: "write the version in effect of document ID as Markdown",
		Long: `Write the text of the version in effect of document ID as Markdown, to
stdout or --out FILE.

--as names the person the export is for: it needs that person to be
allowed to read the document, so a restricted 実施手順 is exported only
for someone on its access list (or the CISO and 統括). A document that
person may not read is "not found", as in the web and the API. The export
is recorded in the trail.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "md" {
				return errors.New("--format must be md")
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a document id", args[0])
			}
			ctx := cmd.Context()
			d, sc, p, err := st.openAs(ctx, "policy export", as)
			if err != nil {
				return err
			}
			defer d.Close()
			var v policy.Version
			err = d.Transact(ctx, func(tx *db.Tx) (err error) {
				_, v, err = policy.Export(ctx, tx, sc, p, id, format)
				return err
			})
			if errors.Is(err, db.ErrNotFound) {
				return fmt.Errorf("document %d: not found, not in effect, or not readable by %s", id, as)
			}
			if err != nil {
				return err
			}
			text := v.Body
			if !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if _, err := io.WriteString(w, text); err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "version %d (effective %s) written to %s\n", v.No, v.EffectiveDate, out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "output format: md (Markdown)")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of stdout")
	cmd.Flags().StringVar(&as, "as", "", "login of the person the export is for; they must be allowed to read the document")
	_ = cmd.MarkFlagRequired("as")
	return cmd
}

func typeNames() []string {
	out := make([]string, len(policy.Types))
	for i, t := range policy.Types {
		out[i] = string(t)
	}
	return out
}

// readLimited reads a file of at most max bytes.
func readLimited(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, max>>20)
	}
	return data, nil
}

// titleOf is a document's title by default: its first heading, or the
// file's name without its extension.
func titleOf(markdown, file string) string {
	for line := range strings.SplitSeq(markdown, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			if t := strings.TrimSpace(strings.TrimLeft(line, "#")); t != "" {
				return t
			}
		}
		if line != "" {
			break
		}
	}
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
