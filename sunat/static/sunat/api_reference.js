// /api/docs: Redoc on the service's own OpenAPI document, from files the service serves itself.
(function () {
  var element = document.getElementById("referencia");
  Redoc.init(element.dataset.schema, {
    expandResponses: "200",
    hideDownloadButton: false,
    jsonSampleExpandLevel: 2,
    nativeScrollbars: true,
    pathInMiddlePanel: true,
    requiredPropsFirst: true,
    theme: { typography: { fontFamily: "system-ui, sans-serif", headings: { fontFamily: "system-ui, sans-serif" },
                           code: { fontFamily: "ui-monospace, monospace", wrap: true } } }
  }, element);
})();
