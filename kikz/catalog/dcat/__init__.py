"""DCAT-AP.de export, import and harvesting."""
