prefix = "contoso"
