"""OData-style query options of SensorThings: tokenizer, parser (AST) and the compiler to SQLAlchemy."""
