{#
  The reconciliation window in days (MONITOR.md: W = [instroomdatum, uitstroomdatum + N days]).
  The default is the var `reconciliatie_venster_dagen` of dbt_project.yml, the one place it is
  defined; LVV_RECONCILIATIE_VENSTER_DAGEN overrides it for a run, as the environment overrides
  the expectations' thresholds. pipelines/reconciliation_window.py reads the same two, so the
  report and the suites name the window the figures were built with.
#}
{% macro reconciliatie_venster_dagen() -%}
    {%- set raw = env_var('LVV_RECONCILIATIE_VENSTER_DAGEN', '') | trim -%}
    {%- if raw == '' -%}
        {%- set raw = var('reconciliatie_venster_dagen') | string | trim -%}
    {%- endif -%}
    {%- if not raw.isdigit() -%}
        {{ exceptions.raise_compiler_error("LVV_RECONCILIATIE_VENSTER_DAGEN / var reconciliatie_venster_dagen = '" ~ raw ~ "' is ongeldig: verwacht een geheel aantal dagen >= 0") }}
    {%- endif -%}
    {{ return(raw | int) }}
{%- endmacro %}
