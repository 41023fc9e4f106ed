"""The web layer: app factory, dependencies, templates, static assets, i18n."""
