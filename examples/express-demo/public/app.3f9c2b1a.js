// Fingerprinted bundle name: nginx may cache it for a long time.
document.addEventListener('DOMContentLoaded', () => {
  const el = document.createElement('p');
  el.textContent = `Loaded at ${new Date().toISOString()}`;
  document.body.appendChild(el);
});
