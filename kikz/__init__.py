"""kikz: data and AI platform of the Smart KIKZ cities (Offenbach, Gießen, Wetzlar, Fulda, Marburg, Limburg)."""

__version__ = "0.1.0"
