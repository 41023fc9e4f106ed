// Starts Swagger UI on the element that names the OpenAPI document (kept out of the page: strict CSP).
window.addEventListener("load", function () {
  var target = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: target.dataset.openapiUrl, dom_id: "#swagger-ui", deepLinking: true });
});
