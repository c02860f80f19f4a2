resource_group_name = "rg-dev"
acr_sku             = "Premium"
