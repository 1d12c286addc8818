// Plenum's own small script. No inline scripts: the CSP forbids them.
// htmx sends the CSRF token as a header on every request it makes.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

// Validation errors come back as 422 with the form and its messages: swap them in.
document.addEventListener("htmx:beforeSwap", (event) => {
  // 422: the form again with its errors; 409: a refusal with its reason (e.g. already voted).
  if (event.detail.xhr.status === 422 || event.detail.xhr.status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
