"""What "visually complete" means, for the browser and load benchmarks.

A page is visually complete when Streamlit's script has finished
(`[data-testid="stApp"][data-test-script-state="notRunning"]`), the main area
has content, every visible plotly chart has drawn (`.main-svg` inside each
`[data-testid="stPlotlyChart"]`), and the DOM has not changed for QUIET_MS.
Lazily loaded elements show a skeleton (`[data-testid="stSkeleton"]`) until
their code has loaded: none may be visible.
The time reported is that of the last DOM change: from navigation start for a
page load, from the last pointer or key press for a filter change. A
MutationObserver installed before any page script records both instants.
"""

from __future__ import annotations

QUIET_MS = 800

INIT_SCRIPT = """
(() => {
  window.__lastMutation = performance.now();
  window.__lastInput = -1;
  window.__lastRunStart = -1;
  const observer = new MutationObserver((mutations) => {
    const now = performance.now();
    window.__lastMutation = now;
    for (const m of mutations) {
      if (m.attributeName === 'data-test-script-state' && m.target.getAttribute('data-test-script-state') === 'running') {
        window.__lastRunStart = now;
      }
    }
  });
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  for (const type of ["pointerdown", "keydown"]) {
    addEventListener(type, () => { window.__lastInput = performance.now(); window.__lastMutation = performance.now(); }, true);
  }
})();
"""

# Returns null until the page is visually complete, then the instant of its last DOM change.
READY_FUNCTION = """
([quietMs, afterInput]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
  // After an input, wait for the rerun it starts; React may batch a very quick run so that
  // "running" is never set: after 3 s without one, take the page as it is.
  if (afterInput && !(window.__lastRunStart > window.__lastInput) && performance.now() - window.__lastInput < 3000) return null;
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')) return null;
  // Lazily loaded elements (plotly charts, tables) show a skeleton until their code has loaded.
  const visible = (el) => el.offsetParent !== null;
  if ([...document.querySelectorAll('[data-testid^="stSkeleton"]')].some(visible)) return null;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(visible);
  if (!charts.every(el => el.querySelector('.main-svg'))) return null;
  const now = performance.now();
  if (now - window.__lastMutation < quietMs) return null;
  const error = document.querySelector('[data-testid="stException"]') ? 'exception' : null;
  return {last: window.__lastMutation, input: window.__lastInput, charts: charts.length, error: error};
}
"""

ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stConnectionStatus"]'

# What the page looked like when it was not ready in time (for the error column).
DIAGNOSE_FUNCTION = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const visible = (el) => el.offsetParent !== null;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(visible);
  return `state=${app && app.getAttribute('data-test-script-state')} ` +
    `skeletons=${[...document.querySelectorAll('[data-testid^="stSkeleton"]')].filter(visible).length} ` +
    `charts=${charts.filter(el => el.querySelector('.main-svg')).length}/${charts.length} ` +
    `quiet=${Math.round(performance.now() - window.__lastMutation)}ms ` +
    `run_after_input=${window.__lastRunStart > window.__lastInput}`;
}
"""
