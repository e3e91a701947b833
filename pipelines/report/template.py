"""The report's HTML template and stylesheet, kept in Python so an installed package has them.

Sober, in the manner of a government report: one sans-serif face, dark blue headings, thin
rules, tabular figures, generous white space; a print stylesheet for A4. No external resources.
"""

CSS = r"""
:root {
  --donkerblauw: #154273;
  --hemelblauw: #007bc7;
  --lichtblauw: #e5f1f9;
  --tekst: #1f2933;
  --grijs: #5c6670;
  --lijn: #cad0d6;
  --zebra: #f4f6f8;
  --waarschuwing: #ffb612;
}
* { box-sizing: border-box; }
html { font-size: 16px; -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--tekst); background: #fff;
  font-family: "RijksoverheidSansWebText", "RO Sans", "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  line-height: 1.5;
}
.kop { background: var(--donkerblauw); color: #fff; }
.kop .binnen { max-width: 60rem; margin: 0 auto; padding: 1.6rem 1.5rem 1.4rem; }
.kop .afzender { font-size: .85rem; letter-spacing: .02em; opacity: .9; margin: 0 0 .6rem; }
.kop h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .3rem; font-weight: 700; }
.kop .ondertitel { font-size: 1.15rem; margin: 0; }
.demo {
  background: var(--waarschuwing); color: #000; font-weight: 700; text-align: center;
  padding: .55rem 1rem; border-bottom: 2px solid #000;
}
.watermerk { display: none; }
main { max-width: 60rem; margin: 0 auto; padding: 0 1.5rem 3rem; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1.2rem; margin: 1.4rem 0;
        font-size: .92rem; color: var(--grijs); }
.meta dt { font-weight: 700; color: var(--tekst); }
.meta dd { margin: 0; }
nav.inhoud { border-top: 1px solid var(--lijn); border-bottom: 1px solid var(--lijn); padding: .6rem 0 .8rem; margin: 1rem 0 2rem; }
nav.inhoud h2 { font-size: 1rem; margin: .3rem 0; color: var(--tekst); border: 0; padding: 0; }
nav.inhoud ol { margin: 0; padding-left: 1.4rem; columns: 2; column-gap: 2rem; }
nav.inhoud li { margin: .1rem 0; }
a { color: var(--hemelblauw); }
a:focus, summary:focus { outline: 3px solid var(--waarschuwing); outline-offset: 2px; }
h2 { color: var(--donkerblauw); font-size: 1.55rem; line-height: 1.25; margin: 2.8rem 0 .8rem;
     padding-top: .6rem; border-top: 3px solid var(--donkerblauw); }
h3 { color: var(--donkerblauw); font-size: 1.2rem; margin: 2rem 0 .5rem; }
h4 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
p, li { max-width: 44rem; }
.inleiding { font-size: 1.05rem; }
.kerncijfers { display: grid; grid-template-columns: repeat(auto-fit, minmax(10.5rem, 1fr)); gap: .8rem; margin: 1.2rem 0; padding: 0; list-style: none; }
.kerncijfers li { border-left: 4px solid var(--hemelblauw); background: var(--lichtblauw); padding: .7rem .9rem; max-width: none; }
.kerncijfers .waarde { display: block; font-size: 1.9rem; font-weight: 700; color: var(--donkerblauw); font-variant-numeric: tabular-nums; line-height: 1.15; }
.kerncijfers .wat { display: block; font-size: .9rem; }
.kerncijfers .delta { display: block; font-size: .82rem; color: var(--grijs); margin-top: .2rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .9rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 700; padding: .3rem 0 .5rem; color: var(--tekst); }
th, td { padding: .32rem .55rem; border-bottom: 1px solid var(--lijn); vertical-align: top; }
thead th { border-bottom: 2px solid var(--donkerblauw); text-align: right; font-weight: 700; vertical-align: bottom; }
thead th:first-child, thead th.tekst, tbody th { text-align: left; }
thead tr.kolomgroep th { text-align: center; border-bottom: 1px solid var(--lijn); font-weight: 700; }
thead tr.kolomgroep td { border-bottom: 0; }
colgroup + colgroup { border-left: 1px solid var(--lijn); }
tbody th { font-weight: 400; }
td { text-align: right; white-space: nowrap; }
td.tekst { text-align: left; white-space: normal; }
tbody tr:nth-child(even) td, tbody tr:nth-child(even) th { background: var(--zebra); }
tr.totaal th, tr.totaal td { font-weight: 700; border-top: 2px solid var(--tekst); }
tr.groep th { background: #fff !important; color: var(--donkerblauw); font-weight: 700; padding-top: .9rem; border-bottom: 1px solid var(--donkerblauw); }
tr.nadruk th, tr.nadruk td { font-weight: 700; }
.tabel-wrap { overflow-x: auto; }
.voetnoot { font-size: .82rem; color: var(--grijs); margin-top: -.6rem; }
figure { margin: 1.6rem 0 2rem; break-inside: avoid; page-break-inside: avoid; }
figure h4, figure .titel { margin: 0 0 .2rem; font-size: 1.02rem; font-weight: 700; color: var(--tekst); }
figure .toelichting { font-size: .88rem; color: var(--grijs); margin: 0 0 .4rem; }
svg.grafiek { display: block; width: 100%; height: auto; max-width: 760px; }
svg.grafiek text { font-family: inherit; }
svg.grafiek .as-titel { font-weight: 700; }
details { margin: .3rem 0 0; border-left: 3px solid var(--lijn); padding: .1rem 0 .1rem .8rem; }
summary { cursor: pointer; color: var(--hemelblauw); font-size: .9rem; }
details[open] summary { margin-bottom: .3rem; }
.pilot { break-before: auto; }
.melding { border-left: 4px solid var(--waarschuwing); background: #fff8e6; padding: .6rem .9rem; margin: 1rem 0; }
.definities dt { font-weight: 700; margin-top: .7rem; }
.definities dd { margin: .1rem 0 0; max-width: 44rem; }
footer { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; color: var(--grijs); font-size: .82rem; border-top: 1px solid var(--lijn); }

@media print {
  @page { size: A4; margin: 16mm 14mm 18mm; }
  html { font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .kop { background: #fff; color: var(--donkerblauw); border-bottom: 3px solid var(--donkerblauw); }
  .kop .binnen, main, footer { max-width: none; padding-left: 0; padding-right: 0; }
  nav.inhoud { break-after: page; }
  nav.inhoud a { color: var(--tekst); text-decoration: none; }
  h2 { break-before: page; break-after: avoid; }
  h3, h4, caption { break-after: avoid; }
  section.pilot { break-before: page; }
  table, figure, .kerncijfers, tr { break-inside: avoid; }
  .tabel-wrap { overflow: visible; }
  summary { display: none; }
  details::details-content { content-visibility: visible; display: block; }
  details { border: 0; padding: 0; }
  svg.grafiek { max-width: 100%; }
  .watermerk {
    display: block; position: fixed; top: 42%; left: 0; right: 0; text-align: center;
    transform: rotate(-30deg); font-size: 64pt; font-weight: 700; color: rgba(0, 0, 0, .07);
    z-index: 1000; pointer-events: none;
  }
  a { color: inherit; }
}
@media (max-width: 40rem) {
  nav.inhoud ol { columns: 1; }
  .kop h1 { font-size: 1.5rem; }
}
"""

TEMPLATE = r"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lvv-monitor report">
<meta name="peildatum" content="{{ peildatum_iso }}">
<title>Landelijke monitor LVV – peildatum {{ peildatum }}{% if demo %} (DEMO){% endif %}</title>
<style>{{ css }}</style>
</head>
<body>
{% if demo %}<div class="demo" role="note">DEMO – synthetische gegevens. Deze cijfers gaan niet over echte personen en zijn niet voor gebruik buiten het project.</div>
<div class="watermerk" aria-hidden="true">DEMO</div>{% endif %}
<header class="kop">
  <div class="binnen">
    <p class="afzender">Programma Landelijke Vreemdelingenvoorzieningen · Rijk en VNG</p>
    <h1>Landelijke monitor LVV</h1>
    <p class="ondertitel">Stand op peildatum {{ peildatum }}</p>
  </div>
</header>
<main>
<dl class="meta">
  <dt>Peildatum</dt><dd>{{ peildatum }}</dd>
  <dt>Kennisstand</dt><dd>{{ kennisstand }}</dd>
  <dt>Vergeleken met</dt><dd>{{ vergelijking_tekst }}</dd>
  <dt>Gemaakt op</dt><dd>{{ gemaakt_op }}</dd>
  <dt>Bron</dt><dd>{{ bronbestand }}</dd>
</dl>
<nav class="inhoud" aria-labelledby="inhoud-kop">
  <h2 id="inhoud-kop">Inhoud</h2>
  <ol>{% for s in secties %}<li><a href="#{{ s.id }}">{{ s.title }}</a></li>{% endfor %}</ol>
</nav>

{% macro tabel(t, id=None) -%}
<div class="tabel-wrap"><table{% if id %} id="{{ id }}"{% endif %}>
<caption>{{ t.caption }}</caption>
{%- if t.kolomgroepen %}<colgroup span="1"></colgroup>{% for label, span in t.kolomgroepen %}<colgroup span="{{ span }}"></colgroup>{% endfor %}{% endif %}
<thead>
{%- if t.kolomgroepen %}<tr class="kolomgroep"><td></td>{% for label, span in t.kolomgroepen %}<th scope="colgroup" colspan="{{ span }}">{{ label }}</th>{% endfor %}</tr>{% endif %}
{%- set eerste = t.rijen[0][1] if t.rijen else [] %}
<tr>{% for k in t.kolommen %}<th scope="col"{% if loop.index0 > 0 and eerste|length >= loop.index0 and eerste[loop.index0 - 1] is tekstcel %} class="tekst"{% endif %}>{{ k }}</th>{% endfor %}</tr></thead>
<tbody>
{%- for kop, cellen in t.rijen %}
{%- if loop.index0 in t.groepen %}<tr class="groep"><th scope="rowgroup" colspan="{{ t.kolommen|length }}">{{ t.groepen[loop.index0] }}</th></tr>{% endif %}
<tr{% if t.nadruk_laatste_rij and loop.last %} class="totaal"{% elif loop.index0 in t.nadruk %} class="nadruk"{% endif %}><th scope="row">{{ kop }}</th>{% for c in cellen %}<td{% if c is tekstcel %} class="tekst"{% endif %}>{{ c }}</td>{% endfor %}</tr>
{%- endfor %}
</tbody>
</table></div>
{%- if t.voetnoot %}<p class="voetnoot">{{ t.voetnoot }}</p>{% endif %}
{%- endmacro %}

{% macro grafiek(g) -%}
<figure id="fig-{{ g.id }}" aria-labelledby="{{ g.id }}-kop">
  <p class="titel" id="{{ g.id }}-kop">{{ g.titel }}</p>
  {% if g.toelichting %}<p class="toelichting">{{ g.toelichting }}</p>{% endif %}
  {{ g.svg }}
  <details>
    <summary>Cijfers bij deze grafiek (tabel)</summary>
    {{ tabel(g.tabel) }}
  </details>
</figure>
{%- endmacro %}

{% for s in secties %}
<section id="{{ s.id }}" class="{{ s.css_class or '' }}" aria-labelledby="{{ s.id }}-kop">
<h2 id="{{ s.id }}-kop">{{ s.number }}. {{ s.title }}</h2>
{% for block in s.blocks %}
{%- if block.kind == 'tekst' %}<p{% if block.css_class %} class="{{ block.css_class }}"{% endif %}>{{ block.content }}</p>
{%- elif block.kind == 'melding' %}<p class="melding" role="note">{{ block.content }}</p>
{%- elif block.kind == 'kop' %}<h3 id="{{ block.id }}">{{ block.content }}</h3>
{%- elif block.kind == 'tabel' %}{{ tabel(block.content, block.id) }}
{%- elif block.kind == 'grafiek' %}{{ grafiek(block.content) }}
{%- elif block.kind == 'kerncijfers' %}<ul class="kerncijfers">{% for k in block.content %}<li><span class="waarde">{{ k.waarde }}</span><span class="wat">{{ k.wat }}</span>{% if k.delta %}<span class="delta">{{ k.delta }}</span>{% endif %}</li>{% endfor %}</ul>
{%- elif block.kind == 'definities' %}<dl class="definities">{% for term, uitleg in block.content %}<dt>{{ term }}</dt><dd>{{ uitleg }}</dd>{% endfor %}</dl>
{%- elif block.kind == 'lijst' %}<ul>{% for item in block.content %}<li>{{ item }}</li>{% endfor %}</ul>
{%- endif %}
{% endfor %}
</section>
{% endfor %}
</main>
<footer>
  <p>Landelijke monitor LVV, peildatum {{ peildatum }}. Gemaakt op {{ gemaakt_op }} uit het gepubliceerde bestand
  van de monitor. Alle cijfers zijn aantallen personen of verblijven; er staan geen persoonsgegevens in dit rapport.{% if demo %}
  <strong>DEMO: synthetische gegevens.</strong>{% endif %}</p>
</footer>
<script>
/* Print: open every "Cijfers bij deze grafiek" so the tables are on paper too; close them again after. */
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = [];
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
</script>
</body>
</html>
"""
