// The query page: run the query against the endpoint (POST, SPARQL JSON results), draw a table
// whose IRIs link to this site's pages, and offer the results as CSV or JSON. No dependencies.
(function () {
  "use strict";
  var app = document.getElementById("query-app");
  if (!app) { return; }
  var endpoint = app.dataset.endpoint, base = app.dataset.base, site = app.dataset.site;
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var select = document.getElementById("example");
  var statusEl = document.getElementById("status");
  var errorEl = document.getElementById("error");
  var results = document.getElementById("results");
  var download = document.getElementById("download");
  var urls = [];

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
    var table = el("table", undefined, "results");
    var tr = el("tr");
    vars.forEach(function (v) { tr.appendChild(el("th", "?" + v)); });
    var thead = el("thead"); thead.appendChild(tr); table.appendChild(thead);
    var tbody = el("tbody");
    rows.forEach(function (row) {
      var r = el("tr");
      vars.forEach(function (v) { r.appendChild(cell(row[v])); });
      tbody.appendChild(r);
    });
    table.appendChild(tbody);
    results.appendChild(table);
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

  function run(event) {
    if (event) { event.preventDefault(); }
    reset();
    statusEl.textContent = "Running…";
    var body = new URLSearchParams();
    body.set("query", textarea.value);
    fetch(endpoint, {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: body
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) { throw new Error(text || response.statusText); }
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

  if (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      textarea.value = option.getAttribute("data-query");
      history.replaceState(null, "", "?example=" + encodeURIComponent(option.value));
    });
  }
  form.addEventListener("submit", run);
  textarea.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { run(e); }
  });
})();
