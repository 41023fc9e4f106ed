"""The data catalogue: datasets, distributions, DCAT-AP.de in/out, CKAN API, search, harvesting."""
