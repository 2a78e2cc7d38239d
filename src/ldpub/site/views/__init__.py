"""One module per page: each builds the context its template renders, as `<page>_view(site, …)`.
A new page is a module here, a template, and a route in ldpub.web.pages."""
