// The query page: a SPARQL editor (CodeMirror 6 from static/vendor/codemirror/, built by
// tools/vendor-editor.sh) with highlighting and completion of keywords, functions, the
// publication's prefixes and the query's variables; runs the query against the endpoint (POST,
// SPARQL JSON results) and draws a table that pages and sorts, whose IRIs link to this site's
// pages, and offers the results as CSV or JSON. Without the vendored editor it keeps the plain
// textarea; without JavaScript the form sends the query to the endpoint.
(function () {
  "use strict";
  var app = document.getElementById("query-app");
  if (!app) { return; }
  var endpoint = app.dataset.endpoint, base = app.dataset.base, site = app.dataset.site;
  var prefixes = {};
  try { prefixes = JSON.parse(app.dataset.prefixes || "{}"); } catch (e) { prefixes = {}; }
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var select = document.getElementById("example");
  var statusEl = document.getElementById("status");
  var errorEl = document.getElementById("error");
  var results = document.getElementById("results");
  var download = document.getElementById("download");
  var PAGE_SIZE = 50;
  var urls = [];
  var editor = null;

  // ------------------------------------------------------------------ the results

  // The URL to follow for an IRI, or null: only http(s) IRIs may become links, so a result
  // such as IRI("javascript:alert(1)") is shown as text, never made clickable.
  function localUrl(iri) {
    if (iri.indexOf(base) === 0) { return site + iri.slice(base.length); }
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function cell(term) {
    var td = el("td");
    if (!term) { return td; }
    var href = term.type === "uri" ? localUrl(term.value) : null;
    if (href) {
      var a = el("a", term.value);
      a.href = href;
      td.appendChild(a);
    } else if (term.type === "uri") {
      td.appendChild(el("span", term.value, "iri-text"));
    } else {
      td.appendChild(el("span", term.value, term.type === "bnode" ? "bnode" : "lit"));
      if (term["xml:lang"]) { td.appendChild(el("span", " @" + term["xml:lang"], "lang")); }
      else if (term.datatype) { td.appendChild(el("span", " " + term.datatype.split(/[#\/]/).pop(), "dt")); }
    }
    return td;
  }

  var NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|(non)?(negative|positive)Integer|unsigned(Long|Int|Short|Byte))$/;

  function numberOf(term) {
    if (!term || term.type !== "literal" || !NUMERIC.test(term.datatype || "")) { return null; }
    var n = Number(term.value);
    return isNaN(n) ? null : n;
  }

  // Ascending: unbound last, numbers by value when both are numbers, else IRIs, blank nodes and
  // literals by their text (numbers inside the text compared as numbers: c2 before c10).
  function compareTerms(a, b) {
    if (!a || !b) { return a ? -1 : (b ? 1 : 0); }
    var x = numberOf(a), y = numberOf(b);
    if (x !== null && y !== null) { return x - y; }
    return a.value.localeCompare(b.value, undefined, { numeric: true });
  }

  // A SELECT answer as a table: a click on a column's header sorts by it (again: the other way),
  // PAGE_SIZE rows a page. The downloads keep the endpoint's order.
  function Table(vars, rows) {
    this.vars = vars;
    this.rows = rows;
    this.order = rows.slice();
    this.sortVar = null;
    this.descending = false;
    this.page = 0;
    this.table = el("table", undefined, "results");
    this.head = el("thead");
    this.body = el("tbody");
    this.table.appendChild(this.head);
    this.table.appendChild(this.body);
    this.pager = el("nav", undefined, "pager");
    this.pager.id = "pager";
    this.pager.setAttribute("aria-label", "Result pages");
    this.prev = el("button", "‹ Previous");
    this.prev.type = "button";
    this.prev.id = "prev-page";
    this.info = el("span");
    this.info.id = "page-info";
    this.next = el("button", "Next ›");
    this.next.type = "button";
    this.next.id = "next-page";
    this.pager.appendChild(this.prev);
    this.pager.appendChild(this.info);
    this.pager.appendChild(this.next);
    var self = this;
    this.prev.addEventListener("click", function () { self.show(self.page - 1); });
    this.next.addEventListener("click", function () { self.show(self.page + 1); });
    this.drawHead();
    this.show(0);
  }

  Table.prototype.pages = function () { return Math.max(1, Math.ceil(this.rows.length / PAGE_SIZE)); };

  Table.prototype.drawHead = function () {
    var self = this, tr = el("tr");
    this.vars.forEach(function (v) {
      var th = el("th");
      th.setAttribute("scope", "col");
      if (self.sortVar === v) { th.setAttribute("aria-sort", self.descending ? "descending" : "ascending"); }
      var button = el("button", "?" + v, "sort");
      button.type = "button";
      button.title = "Sort by ?" + v;
      button.addEventListener("click", function () { self.sortBy(v); });
      th.appendChild(button);
      tr.appendChild(th);
    });
    this.head.textContent = "";
    this.head.appendChild(tr);
  };

  Table.prototype.sortBy = function (v) {
    this.descending = this.sortVar === v ? !this.descending : false;
    this.sortVar = v;
    var sign = this.descending ? -1 : 1;
    this.order = this.rows.slice().sort(function (a, b) {
      if (!a[v] || !b[v]) { return compareTerms(a[v], b[v]); }  // unbound last either way
      return sign * compareTerms(a[v], b[v]);
    });
    this.drawHead();
    this.show(0);
  };

  Table.prototype.show = function (page) {
    var self = this, last = this.pages() - 1;
    this.page = Math.max(0, Math.min(page, last));
    var start = this.page * PAGE_SIZE, end = Math.min(start + PAGE_SIZE, this.rows.length);
    this.body.textContent = "";
    this.order.slice(start, end).forEach(function (row) {
      var r = el("tr");
      self.vars.forEach(function (v) { r.appendChild(cell(row[v])); });
      self.body.appendChild(r);
    });
    this.pager.hidden = this.rows.length <= PAGE_SIZE;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page === last;
    this.info.textContent = "rows " + (end ? start + 1 : 0) + "–" + end + " of " + this.rows.length +
      " · page " + (this.page + 1) + " of " + (last + 1);
  };

  function csvField(s) {
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function offer(name, text, type) {
    var link = document.getElementById(name);
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    urls.push(url);
    link.href = url;
  }

  function showTable(data, raw) {
    var vars = data.head.vars || [];
    var rows = data.results.bindings;
    var table = new Table(vars, rows);
    results.appendChild(table.table);
    results.appendChild(table.pager);
    var csv = [vars.map(csvField).join(",")].concat(rows.map(function (row) {
      return vars.map(function (v) { return csvField(row[v] ? row[v].value : ""); }).join(",");
    })).join("\r\n") + "\r\n";
    offer("dl-csv", csv, "text/csv");
    offer("dl-json", raw, "application/sparql-results+json");
    download.hidden = false;
    statusEl.textContent = rows.length + " result" + (rows.length === 1 ? "" : "s");
  }

  function reset() {
    urls.forEach(function (u) { URL.revokeObjectURL(u); });
    urls = [];
    results.textContent = "";
    errorEl.hidden = true;
    errorEl.textContent = "";
    download.hidden = true;
  }

  function currentQuery() {
    return editor ? editor.state.doc.toString() : textarea.value;
  }

  // The endpoint's error answer: its JSON "message" when it sent JSON, else the text as it is.
  function problem(text) {
    try {
      var data = JSON.parse(text);
      if (data && typeof data.message === "string") { return data.message; }
    } catch (e) { /* not JSON */ }
    return text;
  }

  function run(event) {
    if (event) { event.preventDefault(); }
    reset();
    statusEl.textContent = "Running…";
    var body = new URLSearchParams();
    body.set("query", currentQuery());
    fetch(endpoint, {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: body
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) { throw new Error(problem(text) || response.statusText); }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("json") >= 0) {
          var data = JSON.parse(text);
          if (typeof data.boolean === "boolean") {
            results.appendChild(el("p", "Answer: " + data.boolean, "boolean"));
            statusEl.textContent = "";
          } else {
            showTable(data, text);
          }
        } else {
          results.appendChild(el("pre", text, "graph"));
          offer("dl-json", text, type);
          statusEl.textContent = "";
        }
      });
    }).catch(function (err) {
      statusEl.textContent = "";
      errorEl.textContent = String(err.message || err);
      errorEl.hidden = false;
    });
  }

  // ------------------------------------------------------------------ completion

  var KEYWORDS = ["SELECT", "DISTINCT", "REDUCED", "WHERE", "PREFIX", "BASE", "CONSTRUCT", "DESCRIBE",
    "ASK", "FROM", "NAMED", "GRAPH", "OPTIONAL", "FILTER", "UNION", "MINUS", "BIND", "VALUES",
    "SERVICE", "SILENT", "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASC", "DESC", "AS",
    "EXISTS", "NOT EXISTS", "IN", "NOT IN", "UNDEF", "SEPARATOR", "true", "false"];
  var FUNCTIONS = ["STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND",
    "ABS", "CEIL", "FLOOR", "ROUND", "CONCAT", "SUBSTR", "STRLEN", "REPLACE", "UCASE", "LCASE",
    "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER", "YEAR", "MONTH",
    "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1",
    "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRDT", "sameTerm", "isIRI", "isURI",
    "isBLANK", "isLITERAL", "isNUMERIC", "REGEX", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE",
    "GROUP_CONCAT"];
  var WORDS = KEYWORDS.map(function (k) { return { label: k, type: "keyword", boost: 1 }; }).concat(
    FUNCTIONS.map(function (f) { return { label: f, type: "function", detail: "function" }; }));

  // Where the text before the cursor on its line stands: in an IRI, a string or a comment no
  // completion is offered.
  function lexicalContext(text) {
    var quote = null, iri = false;
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (quote) {
        if (c === "\\") { i++; } else if (c === quote) { quote = null; }
      } else if (iri) {
        if (c === ">") { iri = false; }
      } else if (c === "'" || c === '"') { quote = c; }
      else if (c === "<" && /[^\s=<]/.test(text.charAt(i + 1) || "x")) { iri = true; }
      else if (c === "#") { return "comment"; }
    }
    return quote ? "string" : (iri ? "iri" : "code");
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function declares(text, name) {
    return new RegExp("^\\s*PREFIX\\s+" + escapeRegExp(name) + ":", "im").test(text);
  }

  // Where a new PREFIX line goes: after the last PREFIX/BASE line, else before the first line
  // that is neither blank nor a comment (the examples begin with "# question").
  function prologueEnd(doc) {
    var after = null, first = null;
    for (var n = 1; n <= doc.lines; n++) {
      var line = doc.line(n);
      if (/^\s*(PREFIX|BASE)\b/i.test(line.text)) { after = line; }
      else if (!/^\s*(#.*)?$/.test(line.text)) { first = line; break; }
    }
    return after ? { pos: after.to, text: function (decl) { return "\n" + decl; } }
                 : { pos: first ? first.from : 0, text: function (decl) { return decl + "\n"; } };
  }

  // Accepting "rdfs:" in the query's body also declares rdfs: when the query does not yet.
  function applyPrefixedName(name) {
    return function (view, completion, from, to) {
      var state = view.state, changes = [{ from: from, to: to, insert: name + ":" }];
      if (!declares(state.doc.toString(), name)) {
        var at = prologueEnd(state.doc);
        changes.push({ from: at.pos, insert: at.text("PREFIX " + name + ": <" + prefixes[name] + ">") });
      }
      var set = state.changes(changes);
      view.dispatch({ changes: set, selection: { anchor: set.mapPos(to, 1) }, userEvent: "input.complete" });
    };
  }

  function sparqlCompletions(context) {
    var line = context.state.doc.lineAt(context.pos);
    var before = line.text.slice(0, context.pos - line.from);
    if (lexicalContext(before) !== "code") { return null; }
    var names = Object.keys(prefixes);
    var text = context.state.doc.toString();
    // After PREFIX: whole declarations of the publication's prefixes not declared yet.
    var decl = /\bPREFIX\s+([A-Za-z][\w.-]*:?)?$/i.exec(before);
    if (decl) {
      var typed = decl[1] || "";
      return {
        from: context.pos - typed.length,
        validFor: /^[\w.-]*:?$/,
        options: names.filter(function (n) { return !declares(text, n); }).map(function (n) {
          return { label: n + ":", detail: "<" + prefixes[n] + ">", type: "namespace",
                   apply: n + ": <" + prefixes[n] + ">" };
        })
      };
    }
    var variable = context.matchBefore(/[?$][\w]*$/);
    if (variable) {
      var seen = {}, options = [], re = /[?$]([A-Za-z_][\w]*)/g, m;
      while ((m = re.exec(text)) !== null) {
        if (!seen[m[1]] && "?" + m[1] !== variable.text.replace("$", "?")) {
          seen[m[1]] = true;
          options.push({ label: variable.text.charAt(0) + m[1], type: "variable" });
        }
      }
      return options.length ? { from: variable.from, options: options, validFor: /^[?$]\w*$/ } : null;
    }
    var word = context.matchBefore(/[A-Za-z_][\w-]*$/);
    if (!word && !context.explicit) { return null; }
    var from = word ? word.from : context.pos;
    var prev = line.text.charAt(from - line.from - 1);
    if (prev === ":" || prev === "?" || prev === "$" || prev === "@" || /\w/.test(prev)) { return null; }
    return {
      from: from,
      validFor: /^[\w-]*$/,
      options: WORDS.concat(names.map(function (n) {
        return { label: n + ":", detail: prefixes[n], type: "namespace", apply: applyPrefixedName(n) };
      }))
    };
  }

  // ------------------------------------------------------------------ the editor

  function setQuery(text) {
    textarea.value = text;
    if (editor) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
    }
  }

  function startEditor(CM) {
    var holder = el("div", undefined, "editor");
    holder.id = "editor";
    textarea.parentNode.insertBefore(holder, textarea.nextSibling);
    var runKey = { key: "Mod-Enter", run: function () { run(); return true; } };
    editor = new CM.EditorView({
      parent: holder,
      state: CM.EditorState.create({
        doc: textarea.value,
        extensions: [
          CM.lineNumbers(),
          CM.highlightActiveLineGutter(),
          CM.highlightSpecialChars(),
          CM.history(),
          CM.drawSelection(),
          CM.indentOnInput(),
          CM.StreamLanguage.define(CM.sparql),
          CM.syntaxHighlighting(CM.classHighlighter),
          CM.bracketMatching(),
          CM.closeBrackets(),
          CM.autocompletion({ override: [sparqlCompletions], icons: false }),
          CM.highlightActiveLine(),
          CM.Prec.highest(CM.keymap.of([runKey, { key: "Tab", run: CM.acceptCompletion }])),
          CM.keymap.of([].concat(CM.closeBracketsKeymap, CM.defaultKeymap, CM.historyKeymap,
                                 CM.completionKeymap)),
          CM.EditorView.contentAttributes.of({ "aria-label": "SPARQL query" }),
          CM.EditorView.updateListener.of(function (update) {
            if (update.docChanged) { textarea.value = update.state.doc.toString(); }
          })
        ]
      })
    });
    textarea.hidden = true;
    document.getElementById("editor-hint").hidden = false;
  }

  if (window.LdpubCM) {
    startEditor(window.LdpubCM);
  } else {
    textarea.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { run(e); }
    });
  }
  if (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      setQuery(option.getAttribute("data-query"));
      history.replaceState(null, "", "?example=" + encodeURIComponent(option.value));
    });
  }
  form.addEventListener("submit", run);
})();
