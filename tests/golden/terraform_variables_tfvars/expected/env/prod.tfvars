resource_group_name = "rg-prod"
acr_sku             = "Premium"
acr_public_access   = false
