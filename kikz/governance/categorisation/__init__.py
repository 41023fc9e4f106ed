"""Categorisation of datasets: EU data themes, Musterdatenkatalog THEMA/MUSTERDATENSATZ and HVD category.

``service.suggest`` proposes, ``service.decide`` records the steward's choice (and later suggestions for
similar datasets follow it), ``service.hvd_category_of`` feeds ``dcatap:hvdCategory`` in the DCAT export.
"""
