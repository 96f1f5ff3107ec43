package chatserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The server API's test tools: a client that sends the key, and
// docs/openapi.json read back with a small checker of JSON values against
// its schemas (type, properties, required, additionalProperties, items,
// $ref: what the document uses).

// testAPIKey is the -api-key of the tests' servers.
const testAPIKey = "test-api-key-0123456789"

// apiClient sends requests to one server's API.
type apiClient struct {
	t    *testing.T
	base string // http://HOST:PORT
	key  string // sent as Authorization: Bearer; "": none
	doc  *openAPI
	ops  *http.ServeMux // the documented operations, to find a request's
	http *http.Client   // nil: http.DefaultClient
}

// newAPIClient returns a client of r's API that checks every answer
// against docs/openapi.json (conform).
func newAPIClient(t *testing.T, r *running) *apiClient {
	c := &apiClient{t: t, base: "http://" + r.addr, key: testAPIKey, doc: loadOpenAPI(t), ops: http.NewServeMux()}
	for _, op := range c.doc.operations() {
		c.ops.HandleFunc(op, func(http.ResponseWriter, *http.Request) {})
	}
	return c
}

// matched is the documented operation ("METHOD /pattern") a request of
// method and path is, or "".
func (c *apiClient) matched(method, path string) string {
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	_, pattern := c.ops.Handler(req)
	return pattern
}

// conform fails the test if an answer to a documented operation has a
// status it does not document, or a body that does not fit the schema.
func (c *apiClient) conform(method, path string, r apiReply) {
	c.t.Helper()
	op := c.matched(method, path)
	if op == "" || c.doc == nil {
		return
	}
	_, pattern, _ := strings.Cut(op, " ")
	schema, ok := c.doc.responseSchema(c.t, method, pattern, r.status)
	if !ok {
		c.t.Errorf("%s %s answered %d, which docs/openapi.json does not document for %s: %s", method, path, r.status, op, r.body)
		return
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		c.t.Errorf("%s %s: %d is not JSON: %q", method, path, r.status, r.body)
		return
	}
	if err := c.doc.check(schema, v, fmt.Sprintf("%s %s: %d", method, path, r.status)); err != nil {
		c.t.Errorf("does not fit docs/openapi.json: %v: %s", err, r.body)
	}
}

// apiReply is an answer: its status, headers and body.
type apiReply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map (failing the test if it is not a
// JSON object).
func (r apiReply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %q", r.status, err, r.body)
	}
	return m
}

// errorText is the "error" of an error answer.
func (r apiReply) errorText(t *testing.T) string {
	t.Helper()
	s, _ := r.json(t)["error"].(string)
	return s
}

// do sends method path with body (nil: none; a string or []byte: as is;
// else JSON) as application/json, with the key and header.
func (c *apiClient) do(method, path string, body any, header ...string) apiReply {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	client := c.http
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	reply := apiReply{status: resp.StatusCode, header: resp.Header, body: raw}
	c.conform(method, path, reply)
	return reply
}

// want fails the test unless the answer has status; it returns the
// decoded body.
func (c *apiClient) want(status int, method, path string, body any, header ...string) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body, header...)
	if r.status != status {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, r.body, status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		c.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return r.json(c.t)
}

// jsonInt is a JSON number decoded as float64, written as a whole
// number (a seq, an id: below 2^53, so exact).
func jsonInt(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// openAPI is the part of docs/openapi.json the tests read.
type openAPI struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]map[string]any `json:"schemas"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema map[string]any `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"components"`
}

// openAPIOp is one operation's responses.
type openAPIOp struct {
	Responses map[string]map[string]any `json:"responses"`
}

func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	raw, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPI
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	return &doc
}

// operations lists the documented "METHOD /path" pairs, sorted.
func (d *openAPI) operations() []string {
	var ops []string
	for path, item := range d.Paths {
		for method := range item {
			if method != "parameters" {
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	return ops
}

// responseSchema is the schema of op's answer with status, and whether
// one is documented.
func (d *openAPI) responseSchema(t *testing.T, method, path string, status int) (map[string]any, bool) {
	t.Helper()
	var op openAPIOp
	if err := json.Unmarshal(d.Paths[path][strings.ToLower(method)], &op); err != nil {
		t.Fatalf("%s %s in docs/openapi.json: %v", method, path, err)
	}
	resp, ok := op.Responses[fmt.Sprint(status)]
	if !ok {
		return nil, false
	}
	if ref, ok := resp["$ref"].(string); ok {
		r := d.Components.Responses[strings.TrimPrefix(ref, "#/components/responses/")]
		return r.Content["application/json"].Schema, true
	}
	content, _ := resp["content"].(map[string]any)
	js, _ := content["application/json"].(map[string]any)
	schema, _ := js["schema"].(map[string]any)
	return schema, schema != nil
}

// check reports how v breaks schema (nil: it does not), at where.
func (d *openAPI) check(schema map[string]any, v any, where string) error {
	if ref, ok := schema["$ref"].(string); ok {
		s, ok := d.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !ok {
			return fmt.Errorf("%s: no schema %s", where, ref)
		}
		return d.check(s, v, where)
	}
	typ, _ := schema["type"].(string)
	if err := checkType(typ, v, where); err != nil {
		return err
	}
	switch typ {
	case "object":
		return d.checkObject(schema, v.(map[string]any), where)
	case "array":
		items, _ := schema["items"].(map[string]any)
		for i, e := range v.([]any) {
			if err := d.check(items, e, fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkObject checks an object's properties against schema's.
func (d *openAPI) checkObject(schema, m map[string]any, where string) error {
	props, _ := schema["properties"].(map[string]any)
	req, _ := schema["required"].([]any)
	for _, r := range req {
		if _, ok := m[r.(string)]; !ok {
			return fmt.Errorf("%s: required property %q missing", where, r)
		}
	}
	for k, v := range m {
		p, ok := props[k].(map[string]any)
		if !ok {
			if schema["additionalProperties"] == false {
				return fmt.Errorf("%s: property %q is not documented", where, k)
			}
			continue
		}
		if err := d.check(p, v, where+"."+k); err != nil {
			return err
		}
	}
	return nil
}

// checkType reports a JSON value v that is not of the schema type typ.
func checkType(typ string, v any, where string) error {
	ok := true
	switch typ {
	case "object":
		_, ok = v.(map[string]any)
	case "array":
		_, ok = v.([]any)
	case "string":
		_, ok = v.(string)
	case "boolean":
		_, ok = v.(bool)
	case "integer":
		f, isNum := v.(float64)
		ok = isNum && f == float64(int64(f))
	case "number":
		_, ok = v.(float64)
	case "":
	default:
		return fmt.Errorf("%s: the checker does not know type %q", where, typ)
	}
	if !ok {
		return fmt.Errorf("%s: %v (%T) is not of type %s", where, v, v, typ)
	}
	return nil
}
