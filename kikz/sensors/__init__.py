"""OGC SensorThings API v1.1 (Sensing): sensor networks as catalogue datasets."""
