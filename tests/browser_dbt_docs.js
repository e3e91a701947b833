// Evaluated in dbt's docs site by tests/test_docs_site.py: null while rendering, then what the page shows.
(async () => {
  const text = document.body.innerText;
  if (!text.includes('De monitortabel van MONITOR.md')) return null;  // still rendering
  const db = [...document.querySelectorAll('span.switch-label')].find(e => e.textContent.trim() === 'Database');
  db.click();
  await new Promise(r => setTimeout(r, 300));
  for (const folder of [...document.querySelectorAll('a, span, div')].filter(e => e.children.length < 4 && e.textContent.trim() === 'marts')) folder.click();
  await new Promise(r => setTimeout(r, 500));
  const sidebar = [...document.querySelectorAll('a')].map(a => a.textContent.replace(/\s+/g, '')).filter(t => t);
  const cy = angular.element(document.getElementById('cy')).scope().graph;
  const nodes = cy.elements.filter(e => e.group === 'nodes' || !(e.data && e.data.source)).map(e => e.data.id || e.data.unique_id);
  const edges = cy.elements.filter(e => e.data && e.data.source && e.data.target).map(e => [e.data.source, e.data.target]);
  const canvases = [...document.querySelectorAll('#cy canvas')].filter(c => c.width > 200 && c.height > 200).length;
  return JSON.stringify({sidebar, nodes, edges, canvases, description_shown: text.includes('De monitortabel van MONITOR.md')});
})()
